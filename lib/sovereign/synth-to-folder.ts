import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recoverInterruptedWrite, writeFolderAtomically } from '../output/atomic-write';
import { regionFileEntries } from '../output/region-files';
import { checkPromotion, STATE_FILE, type SovereignState } from './promotion';
import type { IConstruct } from 'constructs';
import type { SovereignConfig } from './sovereign-config';
import { type SovereignOutput, synthesizeSovereign } from './synthesize';

export interface SynthToFolderOptions {
  /** Confirms a DR promotion: must name the new OpenBao primary (`--promote` / `SOVEREIGN_PROMOTE`). */
  readonly promote?: string;
  /**
   * Checks the synthesized objects in memory before anything is written (`synth --validate` passes the manifest
   * validator); any problem it returns fails the run and leaves the folder as it was. @default - no check
   */
  readonly validate?: (output: SovereignOutput) => readonly string[];
}

/** What a confirmed promotion changed, file by file, per region. */
export interface PromotionReport {
  readonly from: string;
  readonly to: string;
  readonly regions: readonly { readonly region: string; readonly added: string[]; readonly removed: string[]; readonly changed: string[] }[];
}

export interface SynthToFolderResult {
  readonly output: SovereignOutput;
  readonly promotion?: PromotionReport;
}

/**
 * Synthesizes a Sovereign and replaces `outDir` with its region folders in one atomic step. `source` is a resolved
 * config or any construct of an app the user composed (see `synthesizeSovereign`). The folder records the primary it
 * was rendered for; a run that changes it is refused unless `promote` names the new primary.
 */
export function synthSovereignToFolder(source: SovereignConfig | IConstruct, outDir: string, options: SynthToFolderOptions = {}): SynthToFolderResult {
  const output = synthesizeSovereign(source);
  // A run killed mid-swap must not hide the previous primary from the promotion guard.
  recoverInterruptedWrite(outDir);
  const previous = readState(outDir);
  const promotion = checkPromotion({ previous, sovereign: output.sovereign, primaryRegion: output.primaryRegion, confirmation: options.promote });
  const problems = options.validate?.(output) ?? [];
  if (problems.length > 0) {
    throw new Error(`the synthesized Sovereign ${output.sovereign} fails validation; nothing was written:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  const state: SovereignState = { sovereign: output.sovereign, primaryRegion: output.primaryRegion };
  function* files(): Generator<[string, string]> {
    yield* regionFileEntries(output);
    yield [STATE_FILE, `${JSON.stringify(state, null, 2)}\n`];
  }
  if (promotion === undefined) {
    // Each file is written as soon as it is rendered and then let go.
    writeFolderAtomically(outDir, files(), { writerThread: fileCount(output) >= WRITER_THREAD_FILES });
    return { output };
  }
  // A promotion reports what changed, file by file, so the files are held to compare with the folder first.
  const rendered = new Map(files());
  const report = { ...promotion, regions: diffRegions(outDir, rendered, output) };
  writeFolderAtomically(outDir, rendered, { writerThread: rendered.size >= WRITER_THREAD_FILES });
  return { output, promotion: report };
}

// From this many files on, a second thread writes them while the next are rendered (its start-up is a few tens of
// milliseconds; at 10,000 database pairs it takes about 2.5 s of file creation off the rendering thread).
const WRITER_THREAD_FILES = 5000;
const fileCount = (output: SovereignOutput) => output.regions.reduce((count, region) => count + region.objects.length, 0);

function readState(outDir: string): SovereignState | undefined {
  const file = join(outDir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as Partial<SovereignState>;
  if (typeof state.sovereign !== 'string' || typeof state.primaryRegion !== 'string') {
    throw new Error(`${file} is not a Sovereign state file; remove it or choose another --out folder`);
  }
  return { sovereign: state.sovereign, primaryRegion: state.primaryRegion };
}

function diffRegions(outDir: string, files: ReadonlyMap<string, string>, output: SovereignOutput): PromotionReport['regions'] {
  return output.regions.map(({ region }) => {
    const dir = join(outDir, region);
    const before = new Map(existsSync(dir) ? readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')] as const) : []);
    const after = new Map([...files].filter(([path]) => path.startsWith(`${region}/`)).map(([path, content]) => [path.slice(region.length + 1), content] as const));
    return {
      region,
      added: [...after.keys()].filter((f) => !before.has(f)).sort(),
      removed: [...before.keys()].filter((f) => !after.has(f)).sort(),
      changed: [...after.keys()].filter((f) => before.has(f) && before.get(f) !== after.get(f)).sort(),
    };
  });
}

/** The short per-region summary the CLI prints after a synth. */
export function formatSummary(result: SynthToFolderResult, outDir: string): string {
  const { output, promotion } = result;
  const lines = [`Sovereign ${output.sovereign}: ${output.regions.length} region(s) written to ${outDir}`];
  for (const { region, objects } of output.regions) {
    const role = region === output.primaryRegion ? 'OpenBao primary' : 'OpenBao replica';
    lines.push(`  ${region} (${role}): ${objects.length} objects`);
  }
  for (const link of output.replication) {
    lines.push(`  replication ${link.source} -> ${link.target}: ${link.mechanism}, replica lag (RPO) ${link.lagBound}`);
    if (link.runImpact !== undefined) lines.push(`    note: ${link.runImpact}`);
  }
  for (const database of output.databases) {
    const placement = database.replicaRegion === undefined
      ? `single Cluster in ${database.primaryRegion}`
      : `${database.topology} pair ${database.primaryRegion} -> ${database.replicaRegion}${database.promoted ? ' (promoted)' : ''}`;
    lines.push(`  database ${database.namespace}/${database.name}: ${placement}`);
    const archive = database.walArchive;
    lines.push(
      archive === undefined
        ? '    not backed up: no WAL archive, no base backups'
        : `    WAL archive and base backups ("${archive.backupSchedule}") by ${archive.cluster} in ${archive.region} to ${archive.destination}`,
    );
    if (database.restoreCluster !== undefined) lines.push(`    restore Cluster ${database.restoreCluster} is rendered beside it`);
  }
  if (promotion !== undefined) {
    lines.push(`  DR promotion confirmed: OpenBao primary ${promotion.from} -> ${promotion.to}`);
    for (const change of promotion.regions) {
      const parts = [
        ...change.added.map((f) => `+${f}`),
        ...change.removed.map((f) => `-${f}`),
        ...change.changed.map((f) => `~${f}`),
      ];
      lines.push(`    ${change.region}: ${parts.length === 0 ? 'no change' : parts.join(' ')}`);
    }
    lines.push(`  warning: writes that ${promotion.from} accepts after the promotion are lost when it rejoins as a replica (split brain); keep it fenced until its first restore`);
  }
  for (const warning of output.warnings) {
    lines.push(`  warning: ${warning}`);
  }
  return lines.join('\n');
}
