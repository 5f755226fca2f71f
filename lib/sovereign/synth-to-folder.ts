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
  const { hotStandby } = config;
  lines.push(
    hotStandby.active
      ? `  databases: ${config.databases.length} hot-standby pair(s), primary ${hotStandby.primaryRegion} -> replica ${hotStandby.replicaRegion}`
      : `  databases: ${config.databases.length} single Cluster(s) in ${hotStandby.primaryRegion}`,
  );
  for (const warning of output.warnings) {
    lines.push(`  warning: ${warning}`);
  }
  return lines.join('\n');
}
