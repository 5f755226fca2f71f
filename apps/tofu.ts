// Entry point for `cdktf synth` (see cdktf.json): one stack per region cluster of the Sovereign in
// $SOVEREIGN_CONFIG (default: the shipped example), honouring the SOVEREIGN_* hot-standby overrides.
import { join } from 'node:path';
import { loadSovereignConfig } from '../lib/sovereign/sovereign-config';
import { buildTofuApp } from '../lib/tofu/synth-tofu';

try {
  const config = loadSovereignConfig(process.env.SOVEREIGN_CONFIG ?? join(__dirname, '..', 'examples', 'omantel.yaml'), { env: process.env });
  // cdktf's CLI passes the output folder in CDKTF_OUTDIR; App reads it when outdir is undefined.
  buildTofuApp(config, process.env.CDKTF_OUTDIR ?? 'cdktf.out').synth();
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
