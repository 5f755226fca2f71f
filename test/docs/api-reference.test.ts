import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const COMMITTED = join(ROOT, 'docs', 'api');

function markdownFiles(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [relative(dir, join(e.parentPath, e.name)), readFileSync(join(e.parentPath, e.name), 'utf8')]),
  );
}

// TypeDoc is ESM-only, which jest's CommonJS runtime cannot import; its CLI with typedoc.json is what `npm run docs` runs anyway.
test('docs/api/ matches the TSDoc of the public entry points', () => {
  const out = mkdtempSync(join(tmpdir(), 'api-reference-'));
  try {
    const typedoc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out, '--logLevel', 'Error'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(typedoc.stderr + typedoc.stdout).toBe('');
    expect(typedoc.status).toBe(0);

    const fresh = markdownFiles(out);
    const committed = markdownFiles(COMMITTED);
    const stale = [...new Set([...fresh.keys(), ...committed.keys()])].filter((f) => fresh.get(f) !== committed.get(f)).sort();
    if (stale.length > 0) throw new Error(`docs/api/ is stale in ${stale.join(', ')}; run \`npm run docs\` and commit the result`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 60_000);
