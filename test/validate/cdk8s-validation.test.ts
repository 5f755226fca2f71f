import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CDK8S = join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');

/**
 * A cdk8s project whose app writes `manifests` and whose cdk8s.yaml declares the plugin. The plugin package is a
 * shim that loads the library from source (the installed-package case is the consumer test's).
 */
function project(manifests: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdk8s-validation-'));
  writeFileSync(join(dir, 'plugin.js'), `require(${JSON.stringify(require.resolve('tsx/cjs'))});\nmodule.exports = require(${JSON.stringify(join(ROOT, 'lib'))});\n`);
  writeFileSync(
    join(dir, 'app.js'),
    `const fs = require('fs'); const out = process.env.CDK8S_OUTDIR; fs.mkdirSync(out, { recursive: true });\n` +
      `for (const [file, object] of Object.entries(${JSON.stringify(manifests)})) fs.writeFileSync(out + '/' + file, JSON.stringify(object) + '\\n');\n`,
  );
  writeFileSync(join(dir, 'cdk8s.yaml'), ['language: typescript', 'app: node app.js', 'validations:', '  - package: ./plugin.js', '    version: 0.1.0', '    class: SovereignValidation', ''].join('\n'));
  return dir;
}

function synth(dir: string) {
  return spawnSync(process.execPath, [CDK8S, 'synth', '--no-check-upgrade'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
}

const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'apps' }, data: { mode: 'strict' } };

describe('SovereignValidation (cdk8s validations plugin)', () => {
  test('cdk8s synth passes valid manifests through the plugin', () => {
    const result = synth(project({ 'settings.k8s.yaml': configMap }));
    expect(result.stdout).toContain('sovereign-cdk8s: 1 objects in 1 manifests, 0 violation(s)');
    expect(result.stdout).toContain('Validations ended succesfully');
    expect(result.status).toBe(0);
  });

  test('fails cdk8s synth on every violation, with the rule and the field', () => {
    // GIVEN a manifest with a typo'd field and a Secret with data
    const typo = { ...configMap, metadata: { ...configMap.metadata, name: 'typo' }, dta: {} };
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'apps' }, data: { password: 'c2VjcmV0' } };
    // WHEN cdk8s synth runs the plugin
    const result = synth(project({ 'typo.k8s.yaml': typo, 'secret.k8s.yaml': secret }));
    // THEN it exits 2 (cdk8s' validation failure) and the report names both problems
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('sovereign-cdk8s/schema');
    expect(result.stdout).toContain('ConfigMap/apps/typo: dta: unknown field (not in the schema)');
    expect(result.stdout).toContain('sovereign-cdk8s/secret-data');
  });
});
