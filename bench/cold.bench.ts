// What users wait for, measured as whole cold processes (module loading, tsx, schema compilation, YAML and the disk
// write included), side by side with a floor in the same run, so the targets are ratios rather than absolute times:
// - the README's `npm run synth` on the shipped example, and the compiled CLI, at N = 10, 100, 1,000, 5,000, 10,000
//   database pairs over 3 regions, each against bench/floor.cjs writing the same objects;
// - peak RSS (GNU time), and the growth t(10,000)/t(5,000);
// - `sovereign validate` cold on the shipped example and on the 1,000-pair output.
// Run: npm run bench   (builds first; prints a table; exits 1 when a target is missed). Never part of npm test.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadSovereignConfig, resolveSovereignConfig } from '../lib/sovereign/sovereign-config';
import { synthesizeSovereign } from '../lib/sovereign/synthesize';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'build', 'apps', 'cli.js');
const EXAMPLE = join(ROOT, 'examples', 'omantel.yaml');
const SIZES = [10, 100, 1000, 5000, 10000];
const TARGETS = {
  readmeVsFloor: 1.5,
  cliVsFloor: 1.2, // for every N >= 100
  largestSeconds: 15,
  largestRssMiB: 1536,
  growth: 2.1,
  validateExampleSeconds: 0.3,
  validateLargeSeconds: 1.5,
};

interface Run {
  readonly seconds: number;
  readonly rssMiB: number;
}

/** Median wall time and peak RSS of `runs` cold runs of a command (GNU time reports both). */
function measure(command: string, args: readonly string[], runs: number, before: () => void = () => {}): Run {
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    before();
    const result = spawnSync('/usr/bin/time', ['-f', '%e %M', command, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
    const [seconds, kib] = result.stderr.trim().split('\n').pop()!.split(' ').map(Number);
    results.push({ seconds, rssMiB: kib / 1024 });
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { seconds: median(results.map((r) => r.seconds)), rssMiB: median(results.map((r) => r.rssMiB)) };
}

/** A 3-region Sovereign with `pairs` database pairs. */
function configWith(pairs: number): object {
  return {
    name: 'bench',
    domain: 'bench.example',
    // Every region backs up, as the shipped example does: the benchmark measures the full shape.
    regions: ['hz-fsn-rtz-prod', 'hz-nbg-rtz-prod', 'hz-hel-rtz-prod'].map((name) => ({
      name,
      objectStore: { endpoint: `https://${name}.objects.example`, bucket: `bench-${name}`, credentials: { secretName: 'backup-s3' } },
    })),
    tenants: Array.from({ length: 20 }, (_, i) => ({ name: `tenant-${i}`, namespaces: [`app-${i}`] })),
    primaryRegion: 'hz-fsn-rtz-prod',
    hotStandby: { enabled: true, replicaRegion: 'hz-hel-rtz-prod' },
    databases: Array.from({ length: pairs }, (_, i) => ({ name: `db-${i}`, namespace: `t-${i % 50}` })),
  };
}

const work = mkdtempSync(join(tmpdir(), 'sovereign-bench-'));
const rows: string[][] = [];
let failed = false;
const check = (label: string, value: number, target: number, unit: string) => {
  const ok = value <= target;
  failed ||= !ok;
  rows.push([ok ? 'ok' : 'MISS', label, `${value.toFixed(2)}${unit}`, `<= ${target}${unit}`]);
};

try {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  const fresh = (dir: string) => () => rmSync(dir, { recursive: true, force: true });

  // The floor writes the objects the library renders for the same input, read from JSON.
  const floorInput = (config: object, file: string) => {
    const output = synthesizeSovereign(resolveSovereignConfig(config));
    writeFileSync(file, JSON.stringify(output.regions));
    return output.regions.reduce((n, r) => n + r.objects.length, 0);
  };

  // The README's main command on the shipped example.
  const exampleJson = join(work, 'example.json');
  const exampleObjects = (() => {
    const output = synthesizeSovereign(loadSovereignConfig(EXAMPLE, { env: {} }));
    writeFileSync(exampleJson, JSON.stringify(output.regions));
    return output.regions.reduce((n, r) => n + r.objects.length, 0);
  })();
  const floorExample = measure('node', [join(ROOT, 'bench', 'floor.cjs'), exampleJson, join(work, 'floor-example')], 5, fresh(join(work, 'floor-example')));
  const readme = measure('npm', ['run', 'synth', '--silent'], 5);
  const cliExample = measure('node', [CLI, 'synth', '--config', EXAMPLE, '--out', join(work, 'example')], 5, fresh(join(work, 'example')));
  console.log(`shipped example, ${exampleObjects} objects: floor ${floorExample.seconds}s, README ${readme.seconds}s, compiled CLI ${cliExample.seconds}s`);
  check('README `npm run synth` / floor (shipped example)', readme.seconds / floorExample.seconds, TARGETS.readmeVsFloor, 'x');

  const bySize = new Map<number, Run>();
  for (const pairs of SIZES) {
    const configFile = join(work, `config-${pairs}.yaml`);
    writeFileSync(configFile, stringify(configWith(pairs)));
    const objects = floorInput(configWith(pairs), join(work, `objects-${pairs}.json`));
    const runs = pairs >= 5000 ? 3 : 5;
    const floor = measure('node', [join(ROOT, 'bench', 'floor.cjs'), join(work, `objects-${pairs}.json`), join(work, `floor-${pairs}`)], runs, fresh(join(work, `floor-${pairs}`)));
    const cli = measure('node', [CLI, 'synth', '--config', configFile, '--out', join(work, `out-${pairs}`)], runs, fresh(join(work, `out-${pairs}`)));
    bySize.set(pairs, cli);
    console.log(`N=${pairs} (${objects} objects): floor ${floor.seconds}s ${floor.rssMiB.toFixed(0)}MiB, compiled CLI ${cli.seconds}s ${cli.rssMiB.toFixed(0)}MiB`);
    if (pairs >= 100) check(`compiled CLI / floor, N=${pairs}`, cli.seconds / floor.seconds, TARGETS.cliVsFloor, 'x');
  }
  const largest = bySize.get(10000)!;
  check('compiled CLI, N=10,000: time', largest.seconds, TARGETS.largestSeconds, 's');
  check('compiled CLI, N=10,000: peak RSS', largest.rssMiB, TARGETS.largestRssMiB, 'MiB');
  check('growth t(10,000) / t(5,000)', largest.seconds / bySize.get(5000)!.seconds, TARGETS.growth, 'x');

  // Validation, cold: the whole `sovereign validate` process.
  const validateExample = measure('node', [CLI, 'validate', join(work, 'example')], 5, () => {
    if (readdirSync(work).includes('example')) return;
    execFileSync('node', [CLI, 'synth', '--config', EXAMPLE, '--out', join(work, 'example')], { cwd: ROOT });
  });
  execFileSync('node', [CLI, 'synth', '--config', join(work, 'config-1000.yaml'), '--out', join(work, 'out-1000')], { cwd: ROOT });
  const validateLarge = measure('node', [CLI, 'validate', join(work, 'out-1000')], 3);
  check('`sovereign validate`, shipped example', validateExample.seconds, TARGETS.validateExampleSeconds, 's');
  check('`sovereign validate`, N=1,000 output', validateLarge.seconds, TARGETS.validateLargeSeconds, 's');
} finally {
  rmSync(work, { recursive: true, force: true });
}

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
console.log('');
for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  '));
process.exitCode = failed ? 1 : 0;
