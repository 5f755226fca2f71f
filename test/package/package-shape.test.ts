import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import * as semver from 'semver';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
};
/** The sources `npm run build` compiles: tsconfig.build.json's program, imports followed. */
function buildSources(): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (config === undefined) throw new Error('tsconfig.build.json does not parse');
  return ts
    .createProgram(config.fileNames, config.options)
    .getSourceFiles()
    .map((f) => relative(ROOT, f.fileName))
    .filter((f) => !f.startsWith('..') && !f.startsWith('node_modules'));
}

/** The imports/ modules lib/ and apps/ name in their import specifiers. */
function importedGeneratedModules(): string[] {
  const named = new Set<string>();
  for (const folder of ['lib', 'apps']) {
    for (const e of readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || !e.name.endsWith('.ts')) continue;
      for (const m of readFileSync(join(e.parentPath, e.name), 'utf8').matchAll(/from '(?:\.\.\/)+imports\/([^']+)'/g)) named.add(`imports/${m[1]}.ts`);
    }
  }
  return [...named].sort();
}

/** What `npm pack` would ship, over a stand-in of the build output (tsc's layout, rootDir "." and outDir build). */
function packedFiles(sources: string[]): string[] {
  const stage = mkdtempSync(join(tmpdir(), 'package-shape-'));
  try {
    for (const file of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) cpSync(join(ROOT, file), join(stage, file));
    cpSync(join(ROOT, 'schema'), join(stage, 'schema'), { recursive: true });
    for (const source of sources.filter((s) => s.endsWith('.ts'))) {
      for (const out of [source.replace(/\.ts$/, '.js'), source.replace(/\.ts$/, '.d.ts')]) {
        mkdirSync(dirname(join(stage, 'build', out)), { recursive: true });
        writeFileSync(join(stage, 'build', out), '');
      }
    }
    const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: stage, encoding: 'utf8' });
    if (pack.status !== 0) throw new Error(pack.stderr);
    return (JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path).sort();
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

describe('package shape', () => {
  const sources = buildSources();
  const shipped = packedFiles(sources);

  test('the build compiles lib/, apps/ and only the generated imports/ classes they use', () => {
    expect(sources.filter((s) => !/^(lib|apps|imports)\//.test(s))).toEqual([]);
    expect(sources.filter((s) => s.startsWith('imports/')).sort()).toEqual(importedGeneratedModules());
  });

  test('the tarball ships no generated class that lib/ and apps/ do not import', () => {
    const used = new Set(importedGeneratedModules().map((m) => m.replace(/\.ts$/, '')));
    const shippedImports = shipped.filter((f) => f.startsWith('build/imports/'));
    expect(shippedImports.filter((f) => !used.has(f.replace(/^build\//, '').replace(/\.(d\.ts|js)$/, '')))).toEqual([]);
    expect(shippedImports.length).toBe(2 * used.size);
  });

  test('the tarball carries the licence, readme and changelog', () => {
    expect(shipped).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json']));
  });

  test('main, types and bin are shipped', () => {
    expect(shipped).toEqual(expect.arrayContaining([manifest.main, manifest.types, ...Object.values(manifest.bin)]));
  });

  test('every exports subpath has a typesVersions twin, for moduleResolution node', () => {
    const subpaths = Object.entries(manifest.exports).filter(([path]) => path !== '.' && path !== './package.json');
    const twins = Object.fromEntries(
      subpaths.map(([path, target]) => [path.slice(2), [typeof target === 'string' ? target : target.types.slice(2)]]),
    );
    expect(manifest.typesVersions).toEqual({ '*': twins });
  });

  test('every exports and typesVersions target is built from a source under lib/', () => {
    const targets = [
      ...Object.values(manifest.exports).flatMap((t) => (typeof t === 'string' ? [] : [t.types, t.default])),
      ...Object.values(manifest.typesVersions['*']).flat(),
    ].map((t) => t.replace(/^\.\//, ''));
    const sourcesOf = [...new Set(targets.map((t) => t.replace(/^build\//, '').replace(/\.(d\.ts|js)$/, '.ts')))];
    expect(sourcesOf.filter((s) => !s.startsWith('lib/'))).toEqual([]);
    expect(sourcesOf.filter((s) => !existsSync(join(ROOT, s)))).toEqual([]);
    const built = targets.filter((t) => existsSync(join(ROOT, t.replace(/^build\//, '').replace(/\.(d\.ts|js)$/, '.ts'))));
    expect(shipped).toEqual(expect.arrayContaining(built));
  });

  test('engines states a Node.js range every runtime dependency supports', () => {
    // GIVEN the declared range and the engines of each installed runtime dependency
    const ours = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; dependencies: Record<string, string> });
    const unsupported = Object.keys(ours.dependencies).flatMap((name) => {
      const theirs = (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { engines?: { node?: string } }).engines?.node;
      // THEN every Node.js version we claim is one the dependency claims too
      return theirs === undefined || semver.subset(ours.engines.node, theirs) ? [] : [`${name} needs ${theirs}`];
    });
    expect(unsupported).toEqual([]);
  });
});
