import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KubeObject } from '../../lib/sovereign/synthesize';

// Prometheus' own promtool (Debian package `prometheus`, installed by scripts/ensure-test-tools.mjs) on rendered
// PrometheusRules: the rules file to check, and `test rules` for when an alert fires.

/** A temporary folder holding the rule's groups as a Prometheus rules file, `rules.yaml`. */
export function rulesFolder(rule: KubeObject): string {
  const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
  writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: (rule as any).spec.groups }));
  return dir;
}

/** Runs `promtool test rules` on the rendered groups with the given test cases. */
export function promtool(rule: KubeObject, tests: unknown[]): { status: number | null; output: string } {
  const dir = rulesFolder(rule);
  writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
  const result = spawnSync('promtool', ['test', 'rules', 'tests.yaml'], { cwd: dir, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
