import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatViolation } from '../lib/validate/violation';
import { sharedValidator } from './helpers/manifests';

// The TypeScript examples double as documentation: `tsc --noEmit` compiles them (tsconfig maps `sovereign-cdk8s` to
// lib/), and this test runs them the way the README says, through tsx, and validates what they write.
const ROOT = join(__dirname, '..');

function runExample(file: string): { out: string; stdout: string } {
  const out = mkdtempSync(join(tmpdir(), 'example-'));
  const stdout = execFileSync(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'examples', file)], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: out } });
  return { out, stdout };
}

describe('examples', () => {
  test('own-chart.ts: a pair composed into the team\'s own charts, one manifest file per chart', () => {
    const { out } = runExample('own-chart.ts');
    expect(readdirSync(out).sort()).toEqual(['orders-fsn.k8s.yaml', 'orders-hel.k8s.yaml']);
    // Each chart is one region cluster's manifests.
    for (const file of readdirSync(out)) {
      expect(sharedValidator().validateFiles([join(out, file)]).violations.map(formatViolation)).toEqual([]);
    }
  });

  test('sovereign-app.ts: the Sovereign plus the team\'s own PushSecret, as region folders', () => {
    const { out, stdout } = runExample('sovereign-app.ts');
    expect(stdout).toContain(`Sovereign omantel: 2 region(s) written to ${join(out, 'omantel')}`);
    expect(readdirSync(join(out, 'omantel', 'hz-fsn-rtz-prod'))).toEqual(expect.arrayContaining(['pushsecret_billing_billing-api-key.yaml', 'namespace_billing.yaml', 'kustomization.yaml']));
    const result = sharedValidator().validateDirectory(join(out, 'omantel'));
    expect(result.violations.map(formatViolation)).toEqual([]);
    expect(result.objects).toBeGreaterThan(50);
  });
});
