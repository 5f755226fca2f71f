import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OMANTEL_YAML } from '../helpers/configs';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SOVEREIGN_')));

// A script that installs the cache and then loads `module` (a .js file), printing what it exports (awaited).
function load(cache: string, module: string, env: Record<string, string> = {}, cwd?: string) {
  const script = `require(${JSON.stringify(join(ROOT, 'apps', 'compile-cache.ts'))}); Promise.resolve(require(${JSON.stringify(module)})).then((v) => console.log(v));`;
  const result = spawnSync(TSX, ['-e', script], { encoding: 'utf8', cwd, env: { ...CLEAN_ENV, SOVEREIGN_COMPILE_CACHE: cache, ...env } });
  expect(result.stderr).toBe('');
  return result.stdout.trim();
}
const entries = (folder: string) => readdirSync(folder, { recursive: true }).map(String).filter((f) => f.endsWith('.bin'));

describe('the command line compile cache', () => {
  test('caches a module once and never runs a cache made for other source of the same length', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compile-cache-'));
    const cache = join(dir, 'cache');
    const module = join(dir, 'answer.js');
    writeFileSync(module, 'module.exports = "first";\n');
    // WHEN it is loaded twice THEN the first run writes a cache, the second uses it, and both run the module
    expect(load(cache, module)).toBe('first');
    const [folder] = readdirSync(cache);
    expect(readdirSync(join(cache, folder))).toHaveLength(1);
    expect(statSync(join(cache, folder)).mode & 0o077).toBe(0);
    expect(load(cache, module)).toBe('first');
    // WHEN the source changes but keeps its length (V8's own check would accept the old cache) THEN the new source runs
    writeFileSync(module, 'module.exports = "other";\n');
    expect(load(cache, module)).toBe('other');
  });

  test('modules that use import() or are ES modules load as they do without the cache', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compile-cache-'));
    const dynamic = join(dir, 'dynamic.js');
    writeFileSync(dynamic, "module.exports = import('node:path').then((path) => typeof path.join);\n");
    const esm = join(dir, 'esm', 'index.js');
    mkdirSync(join(dir, 'esm'));
    writeFileSync(join(dir, 'esm', 'package.json'), '{ "type": "module" }\n');
    writeFileSync(esm, 'export const answer = 42;\n');
    for (const module of [dynamic, esm]) {
      const plain = load('off', module);
      expect(load(join(dir, 'cache'), module)).toBe(plain);
      expect(load(join(dir, 'cache'), module)).toBe(plain);
    }
    expect(load('off', dynamic)).toBe('function');
  });

  test('never uses a folder others may write to, a relative folder, or the working directory for an empty setting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compile-cache-'));
    const module = join(dir, 'answer.js');
    writeFileSync(module, 'module.exports = 1;\n');
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    expect(load(shared, module)).toBe('1');
    expect(entries(shared)).toEqual([]);
    const cwd = mkdtempSync(join(tmpdir(), 'compile-cache-cwd-'));
    expect(load('relative/cache', module, {}, cwd)).toBe('1');
    expect(load('', module, { XDG_CACHE_HOME: join(dir, 'xdg') }, cwd)).toBe('1');
    expect(readdirSync(cwd)).toEqual([]);
    expect(entries(join(dir, 'xdg'))).toHaveLength(1);
  });

  test('off turns it off: nothing is written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compile-cache-'));
    const module = join(dir, 'answer.js');
    writeFileSync(module, 'module.exports = 42;\n');
    expect(load('off', module)).toBe('42');
    expect(readdirSync(dir)).toEqual(['answer.js']);
  });

  test('a synth with the cache cold and warm writes the same files as one without it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compile-cache-'));
    const synth = (cache: string, out: string) => {
      const result = spawnSync(TSX, [join(ROOT, 'apps', 'cli.ts'), 'synth', '--config', OMANTEL_YAML, '--out', join(dir, out)], { cwd: ROOT, encoding: 'utf8', env: { ...CLEAN_ENV, SOVEREIGN_COMPILE_CACHE: cache } });
      expect(result.status).toBe(0);
      const folder = join(dir, out);
      return Object.fromEntries(readdirSync(folder, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => [join(e.parentPath, e.name).slice(folder.length), readFileSync(join(e.parentPath, e.name), 'utf8')]));
    };
    const plain = synth('off', 'plain');
    expect(synth(join(dir, 'cache'), 'cold')).toEqual(plain);
    expect(synth(join(dir, 'cache'), 'warm')).toEqual(plain);
    expect(readdirSync(join(dir, 'cache')).length).toBe(1);
  });
});
