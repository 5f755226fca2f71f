import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// A platform team's first and second use of the package, end to end: `npm pack`, install the tarball into a new cdk8s
// app outside the repository (dependencies from the npm cache where it has them, otherwise the registry), compose the
// constructs in the app's own chart, and run the template's own tools: tsc with its strict settings and no
// skipLibCheck (and under node16 and bundler resolution), `cdk8s synth` with the library's validation plugin, jest
// with the template's ts-jest config, and the package's `sovereign validate` bin.
const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(__dirname, 'fixture');
const TEMPLATE = join(ROOT, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app');
const version = (name: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

function run(command: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600_000 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

describe('a consumer cdk8s app using the packed tarball', () => {
  let work: string;
  let app: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sovereign-consumer-'));
    app = join(work, 'orders-platform');
    // `npm pack` runs `prepack`, which builds the package from a clean build/.
    const tarball = run('npm', ['pack', '--pack-destination', work, '--silent'], ROOT).trim().split('\n').pop()!;
    cpSync(FIXTURE, app, { recursive: true });
    for (const file of ['tsconfig.json', 'jest.config.js']) copyFileSync(join(TEMPLATE, file), join(app, file));
    // The template's package.json, with cdk8s-plus-28 (the library's peer) and the library itself.
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify(
        {
          name: 'orders-platform',
          version: '1.0.0',
          private: true,
          license: 'Apache-2.0',
          scripts: { synth: 'cdk8s synth', compile: 'tsc --build', test: 'jest' },
          dependencies: {
            cdk8s: `^${version('cdk8s')}`,
            'cdk8s-plus-28': `^${version('cdk8s-plus-28')}`,
            constructs: `^${version('constructs')}`,
            [pkg.name]: `file:${join(work, tarball)}`,
          },
          devDependencies: {
            'cdk8s-cli': version('cdk8s-cli'),
            '@types/node': '^14',
            '@types/jest': '^29',
            jest: '^29',
            'ts-jest': '^29',
            typescript: '5.9.x',
            'ts-node': '^10',
            // Only for the type check of `sovereign-cdk8s/tofu`, whose optional peers these are.
            cdktf: version('cdktf'),
            '@cdktf/provider-kubernetes': version('@cdktf/provider-kubernetes'),
          },
        },
        null,
        2,
      ),
    );
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], app);
  }, 900_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('the app type-checks with the template tsconfig (no skipLibCheck), and under node16 and bundler resolution', () => {
    for (const project of ['tsconfig.json', 'tsconfig.node16.json', 'tsconfig.bundler.json']) {
      run('npx', ['tsc', '--noEmit', '-p', project], app);
    }
  }, 300_000);

  test('cdk8s synth writes the app\'s chart and the validation plugin passes it', () => {
    const output = run('npx', ['cdk8s', 'synth', '--no-check-upgrade'], app);
    expect(output).toContain('Validations ended succesfully');
    expect(readdirSync(join(app, 'dist'))).toContain('orders.k8s.yaml');
    expect(run('npx', ['sovereign', 'validate', 'dist'], app)).toContain('5 objects in 1 files checked against the shipped schemas: 0 violation(s)');
  }, 300_000);

  test('the app\'s jest snapshot tests run with the template\'s ts-jest config', () => {
    // The first run writes the snapshots; the second, as CI runs jest, must match them (synthesis is deterministic).
    expect(run('npx', ['jest', '--ci=false'], app, { CI: 'true' })).toBeDefined();
    expect(existsSync(join(app, '__snapshots__', 'main.test.ts.snap'))).toBe(true);
    run('npx', ['jest', '--ci'], app, { CI: 'true' });
  }, 300_000);

  test('no declaration file the entry points reach mentions zod (a consumer\'s tsc never reads its types)', () => {
    // Walk the relative imports of the .d.ts files from each entry point: that is what a consumer's tsc loads.
    const root = join(app, 'node_modules', pkg.name, 'build', 'lib');
    const reached = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from |import\()['"](\.[^'"]+)['"]/g)) {
        const target = join(dirname(file), spec);
        visit(existsSync(`${target}.d.ts`) ? `${target}.d.ts` : join(target, 'index.d.ts'));
      }
    };
    for (const entry of ['index.d.ts', 'validate/index.d.ts', 'tofu/index.d.ts']) visit(join(root, entry));
    expect(reached.size).toBeGreaterThan(20);
    expect([...reached].filter((file) => /['"]zod['"]/.test(readFileSync(file, 'utf8'))).map((file) => file.slice(root.length + 1))).toEqual([]);
  });

  test('the bin reports the package version, and the main entry loads no validator code', () => {
    expect(run('npx', ['sovereign', '--version'], app).trim()).toBe(pkg.version);
    const loaded = run('node', ['-e', "require('sovereign-cdk8s'); console.log(Object.keys(require.cache).filter((k) => /node_modules[\\\\/](ajv|@bufbuild)[\\\\/]/.test(k)).length)"], app);
    expect(loaded.trim()).toBe('0');
  });
});
