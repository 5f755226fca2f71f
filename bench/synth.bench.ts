// Synthesis speed and memory for the shipped examples. Targets are checked here, never in unit tests.
// Run: npm run bench   (exits 1 when a target is missed)
import { join } from 'node:path';
import { renderRegionFiles } from '../lib/output/region-files';
import { loadSovereignConfig } from '../lib/sovereign/sovereign-config';
import { synthesizeSovereign } from '../lib/sovereign/synthesize';

const TARGETS = { meanMsPerSynth: 250, heapMiB: 512 };
const ITERATIONS = 50;

let failed = false;
for (const example of ['omantel.yaml', 'three-regions.yaml']) {
  const config = loadSovereignConfig(join(__dirname, '..', 'examples', example));
  renderRegionFiles(synthesizeSovereign(config)); // warm-up: module loading and JIT are not what we measure
  const start = process.hrtime.bigint();
  let files = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    files = renderRegionFiles(synthesizeSovereign(config)).size;
  }
  const meanMs = Number(process.hrtime.bigint() - start) / 1e6 / ITERATIONS;
  const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  const ok = meanMs <= TARGETS.meanMsPerSynth && heapMiB <= TARGETS.heapMiB;
  failed ||= !ok;
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${example}: ${files} files, ${meanMs.toFixed(1)} ms/synth (target ${TARGETS.meanMsPerSynth}), heap ${heapMiB.toFixed(0)} MiB (target ${TARGETS.heapMiB})`,
  );
}
process.exitCode = failed ? 1 : 0;
