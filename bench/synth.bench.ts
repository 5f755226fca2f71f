// Speed and memory of synthesis, validation and the OpenTofu stacks for the shipped examples. Targets are checked
// here, never in unit tests. Run: npm run bench   (exits 1 when a target is missed)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderRegionFiles } from '../lib/output/region-files';
import { loadSovereignConfig } from '../lib/sovereign/sovereign-config';
import { synthesizeSovereign } from '../lib/sovereign/synthesize';
import { synthTofuToFolder } from '../lib/tofu/synth-tofu';
import { ManifestValidator } from '../lib/validate/manifest-validator';

const TARGETS = { synthMs: 250, validateMs: 500, tofuMs: 1500, heapMiB: 768 };
const ITERATIONS = 20;

let failed = false;
function report(label: string, value: number, target: number, unit: string): void {
  const ok = value <= target;
  failed ||= !ok;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}: ${value.toFixed(1)} ${unit} (target ${target})`);
}

function meanMs(run: () => void, iterations = ITERATIONS): number {
  run(); // warm-up: module loading, JIT and schema compilation are not what we measure
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) run();
  return Number(process.hrtime.bigint() - start) / 1e6 / iterations;
}

const validator = new ManifestValidator();
for (const example of ['omantel.yaml', 'three-regions.yaml']) {
  const config = loadSovereignConfig(join(__dirname, '..', 'examples', example));
  report(`${example} synth + render`, meanMs(() => renderRegionFiles(synthesizeSovereign(config))), TARGETS.synthMs, 'ms');
  const objects = synthesizeSovereign(config).regions.flatMap((r) => r.objects);
  report(`${example} validate ${objects.length} objects`, meanMs(() => validator.validateObjects(objects)), TARGETS.validateMs, 'ms');
  const out = mkdtempSync(join(tmpdir(), 'bench-tofu-'));
  report(`${example} tofu stacks`, meanMs(() => synthTofuToFolder(config, join(out, 'stacks')), 5), TARGETS.tofuMs, 'ms');
  rmSync(out, { recursive: true, force: true });
}
report('heap after all runs', process.memoryUsage().heapUsed / 2 ** 20, TARGETS.heapMiB, 'MiB');
process.exitCode = failed ? 1 : 0;
