import { writeFolderAtomically } from '../output/atomic-write';
import { renderRegionFiles } from '../output/region-files';
import type { SovereignConfig } from './sovereign-config';
import { type SovereignOutput, synthesizeSovereign } from './synthesize';

/** Synthesizes a Sovereign and replaces `outDir` with its region folders in one atomic step. */
export function synthSovereignToFolder(config: SovereignConfig, outDir: string): SovereignOutput {
  const output = synthesizeSovereign(config);
  writeFolderAtomically(outDir, renderRegionFiles(output));
  return output;
}

/** The short per-region summary the CLI prints after a synth. */
export function formatSummary(output: SovereignOutput, outDir: string, config: SovereignConfig): string {
  const lines = [`Sovereign ${output.sovereign}: ${output.regions.length} region(s) written to ${outDir}`];
  for (const { region, objects } of output.regions) {
    const role = region === config.primaryRegion ? 'OpenBao primary' : 'OpenBao replica';
    lines.push(`  ${region} (${role}): ${objects.length} objects`);
  }
  for (const database of config.databases) {
    const placement = database.replicaRegion === undefined
      ? `single Cluster in ${database.primaryRegion}`
      : `${database.topology} pair ${database.primaryRegion} -> ${database.replicaRegion}${database.promoted ? ' (promoted)' : ''}`;
    lines.push(`  database ${database.namespace}/${database.name}: ${placement}`);
  }
  for (const warning of output.warnings) {
    lines.push(`  warning: ${warning}`);
  }
  return lines.join('\n');
}
