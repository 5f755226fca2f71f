import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { OMANTEL_YAML, twoRegions } from '../helpers/configs';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
// The overrides of the calling shell must not leak into these runs.
const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SOVEREIGN_') && k !== 'CDK8S_OUTDIR'));

function run(script: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(TSX, [join(ROOT, 'apps', script), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...CLEAN_ENV, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function folderContents(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [join(e.parentPath, e.name).slice(dir.length), readFileSync(join(e.parentPath, e.name), 'utf8')]),
  );
}

function writeConfig(config: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cli-config-')), 'sovereign.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

describe('sovereign CLI', () => {
  let out: string;
  beforeEach(() => {
    out = join(mkdtempSync(join(tmpdir(), 'cli-out-')), 'dist');
  });

  test('--version prints the version in package.json and exits 0', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(run('cli.ts', ['--version'])).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
  });

  test('synth writes a folder per region with a kustomization, and prints a summary', () => {
    const result = run('cli.ts', ['synth', '--config', OMANTEL_YAML, '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['hz-fsn-rtz-prod', 'hz-hel-rtz-prod', 'sovereign-state.json']);
    expect(readdirSync(join(out, 'hz-fsn-rtz-prod'))).toContain('kustomization.yaml');
    expect(result.stdout).toMatch(/^Sovereign omantel: 2 region\(s\) written to /);
    expect(result.stdout).toMatch(/hz-fsn-rtz-prod \(OpenBao primary\): \d+ objects/);
  });

  test('tenancy prints the tenancy table of a config', () => {
    const result = run('cli.ts', ['tenancy', '--config', OMANTEL_YAML]);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('| tenant | namespaces | key prefix | region | access | store | OpenBao role |');
    expect(result.stdout).toContain('| cnpg.t-acme | t-acme | `sovereign/omantel/cnpg/t-acme/` | hz-hel-rtz-prod | read | `bao-local-cnpg.t-acme` | `eso-read-cnpg.t-acme` |');
  });

  test('synth --validate checks the objects in memory before writing, and says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sovereign-validated-'));
    const result = run('cli.ts', ['synth', '--config', OMANTEL_YAML, '--out', join(dir, 'out'), '--validate']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/ {2}validated: \d+ objects, 0 violations\n$/);
  });

  test('synth output passes validate', () => {
    run('cli.ts', ['synth', '--config', OMANTEL_YAML, '--out', out]);
    const result = run('cli.ts', ['validate', out]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/: 0 violation\(s\)/);
  });

  test('fails on a bad config with every error, writes nothing and leaves the previous output byte-identical', () => {
    // GIVEN a previous good output
    run('cli.ts', ['synth', '--config', OMANTEL_YAML, '--out', out]);
    const before = folderContents(out);
    // WHEN a config with four mistakes is synthesized into the same folder
    const bad = writeConfig({
      ...twoRegions(),
      regions: [{ name: 'hz-fsn-rtz-prod' }, { name: 'hz-fsn-rtz-prod' }],
      primaryRegion: undefined,
      hotStandby: { enabled: true, replicaRegion: 'hz-nowhere' },
    });
    const result = run('cli.ts', ['synth', '--config', bad, '--out', out]);
    // THEN
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('is invalid (3 errors)');
    expect(result.stderr).toContain('regions[1].name: duplicate region name');
    expect(result.stderr).toContain('primaryRegion: is required when the Sovereign has 2 regions');
    expect(result.stderr).toContain('hotStandby.replicaRegion: is not a region of this Sovereign');
    expect(folderContents(out)).toEqual(before);
    expect(readdirSync(join(out, '..'))).toEqual(['dist']);
  });

  test('fails on unknown keys and bad names, writing nothing', () => {
    const bad = writeConfig({ ...twoRegions(), name: 'Omantel', primary: 'x' });
    const result = run('cli.ts', ['synth', '--config', bad, '--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('name: must be a DNS-1123 label');
    expect(result.stderr).toContain('(top level): unknown key "primary"');
    expect(() => readdirSync(out)).toThrow();
  });

  test('honours the environment overrides and prints the fallback warning', () => {
    const result = run('cli.ts', ['synth', '--config', OMANTEL_YAML, '--out', out], { SOVEREIGN_REPLICA_REGION: '' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('warning: hot standby is enabled but the replica region is required when hot standby is enabled');
  });

  test('--strict turns the degenerate fallback into an error', () => {
    const result = run('cli.ts', ['synth', '--config', OMANTEL_YAML, '--out', out, '--strict'], { SOVEREIGN_REPLICA_REGION: '' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('SOVEREIGN_REPLICA_REGION (environment): the replica region is required when hot standby is enabled');
  });

  test('validate lists every violation with file, object and path and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-validate-'));
    writeFileSync(join(dir, 'secret.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata: { name: s, namespace: x }\nstringData: { password: hunter2 }\n');
    writeFileSync(join(dir, 'widget.yaml'), 'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n');
    const result = run('cli.ts', ['validate', dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/secret\.yaml: Secret\/x\/s: stringData: Secret carries stringData/);
    expect(result.stderr).toMatch(/widget\.yaml: Widget\/w: apiVersion: no schema for example\.com\/v1 Widget/);
    expect(result.stderr).toMatch(/2 objects in 2 files .*: 2 violation\(s\)/);
  });

  test('validate says clearly when the additional CRD folder is missing', () => {
    const result = run('cli.ts', ['validate', ROOT, '--crds', '/nonexistent']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no CRD folder at /nonexistent: --crds DIR must be a folder of CustomResourceDefinition YAML files');
  });

  test('validate uses the shipped schemas whatever SOVEREIGN_CRDS says', () => {
    run('cli.ts', ['synth', '--config', OMANTEL_YAML, '--out', out]);
    const result = run('cli.ts', ['validate', out], { SOVEREIGN_CRDS: '/nonexistent' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/checked against the shipped schemas: 0 violation\(s\)/);
  });

  test('the cdk8s app reads SOVEREIGN_CONFIG and CDK8S_OUTDIR', () => {
    const root = mkdtempSync(join(tmpdir(), 'cdk8s-out-'));
    const result = run('main.ts', [], { SOVEREIGN_CONFIG: OMANTEL_YAML, CDK8S_OUTDIR: root });
    expect(result.status).toBe(0);
    expect(readdirSync(join(root, 'omantel')).sort()).toEqual(['hz-fsn-rtz-prod', 'hz-hel-rtz-prod', 'sovereign-state.json']);
  });
});
