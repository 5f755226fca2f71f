// Entry point for `npx cdk8s synth` (see cdk8s.yaml): the same synthesis as `sovereign synth`, configured
// through the environment as cdk8s apps are. SOVEREIGN_CONFIG picks the config, CDK8S_OUTDIR the folder.
import { join } from 'node:path';
import { parseToggle } from '../lib/sovereign/hot-standby';
import { loadSovereignConfig } from '../lib/sovereign/sovereign-config';
import { formatSummary, synthSovereignToFolder } from '../lib/sovereign/synth-to-folder';

const configFile = process.env.SOVEREIGN_CONFIG ?? join(__dirname, '..', 'examples', 'omantel.yaml');
const strict = parseToggle(process.env.SOVEREIGN_STRICT ?? '');

try {
  const config = loadSovereignConfig(configFile, { env: process.env, strict });
  const outDir = join(process.env.CDK8S_OUTDIR ?? 'dist', config.name);
  const promote = process.env.SOVEREIGN_PROMOTE?.trim() || undefined;
  console.log(formatSummary(synthSovereignToFolder(config, outDir, { promote }), outDir));
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
