import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { type KubeObject, synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { HEL, twoRegions } from '../helpers/configs';

// Every PrometheusRule the library renders, unit-tested with Prometheus' own promtool (Debian package `prometheus`).
// The verifier CronJob succeeds only while the replica serves a recent heartbeat, i.e. after a verified restore.
const SERIES = 'kube_cronjob_status_last_successful_time{namespace="openbao",cronjob="openbao-replication-verifier"}';

function ruleObjects(input = twoRegions(), name = 'openbao-replication'): KubeObject[] {
  return synthesizeSovereign(resolveSovereignConfig(input)).regions.flatMap((r) => r.objects).filter((o) => o.kind === 'PrometheusRule' && o.metadata.name === name);
}

/** A temporary folder holding the rule's groups as a Prometheus rules file, `rules.yaml`. */
function rulesFolder(rule: KubeObject): string {
  const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
  writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: (rule as any).spec.groups }));
  return dir;
}

/** Runs `promtool test rules` on the rendered groups with the given test cases; returns its output on failure. */
function promtool(rule: KubeObject, tests: unknown[]): { status: number | null; output: string } {
  const dir = rulesFolder(rule);
  writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
  const result = spawnSync('promtool', ['test', 'rules', 'tests.yaml'], { cwd: dir, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('replication alerting rules (promtool test rules)', () => {
  const [rule] = ruleObjects();

  test('are rendered once per replica region, labelled for a typical Prometheus rule selector', () => {
    expect(ruleObjects().map((r) => [r.metadata.namespace, r.metadata.name])).toEqual([['openbao', 'openbao-replication']]);
    expect((rule.metadata as any).labels.release).toBe('kube-prometheus-stack');
  });

  test('the rules file passes promtool check rules', () => {
    const result = spawnSync('promtool', ['check', 'rules', join(rulesFolder(rule), 'rules.yaml')], { encoding: 'utf8' });
    expect(result.stdout).toContain('SUCCESS: 2 rules found');
    expect(result.status).toBe(0);
  });

  test('stale fires after 3 schedule intervals without a verified restore, and not before', () => {
    const { annotations } = (rule as any).spec.groups[0].rules[0];
    const result = promtool(rule, [
      {
        interval: '1m',
        // The last success was at t=0 and nothing succeeds after it.
        input_series: [{ series: SERIES, values: '0x30' }],
        alert_rule_test: [
          { eval_time: '10m', alertname: 'OpenBaoReplicationStale', exp_alerts: [] },
          { eval_time: '15m', alertname: 'OpenBaoReplicationStale', exp_alerts: [] },
          { eval_time: '17m', alertname: 'OpenBaoReplicationStale', exp_alerts: [{ exp_labels: { severity: 'critical', region: HEL, namespace: 'openbao', cronjob: 'openbao-replication-verifier' }, exp_annotations: annotations }] },
          { eval_time: '17m', alertname: 'OpenBaoReplicationNeverSucceeded', exp_alerts: [] },
        ],
      },
    ]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  test('a run succeeding every interval never fires', () => {
    const result = promtool(rule, [
      {
        interval: '5m',
        // kube-state-metrics reports the verifier's last success, which moves on every 5 minutes while restores verify.
        input_series: [{ series: SERIES, values: '0+300x24' }],
        alert_rule_test: [60, 90, 120].map((minutes) => ({ eval_time: `${minutes}m`, alertname: 'OpenBaoReplicationStale', exp_alerts: [] })),
      },
    ]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  test('never-succeeded fires when no restore was ever verified', () => {
    const { annotations } = (rule as any).spec.groups[0].rules[1];
    const result = promtool(rule, [
      {
        interval: '1m',
        input_series: [{ series: 'up{job="kube-state-metrics"}', values: '1x30' }],
        alert_rule_test: [
          { eval_time: '10m', alertname: 'OpenBaoReplicationNeverSucceeded', exp_alerts: [] },
          { eval_time: '16m', alertname: 'OpenBaoReplicationNeverSucceeded', exp_alerts: [{ exp_labels: { severity: 'critical', region: HEL, namespace: 'openbao', cronjob: 'openbao-replication-verifier' }, exp_annotations: annotations }] },
        ],
      },
    ]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  test('a promtool case that contradicts the rules fails (the harness can fail)', () => {
    const result = promtool(rule, [
      { interval: '1m', input_series: [{ series: SERIES, values: '0x30' }], alert_rule_test: [{ eval_time: '10m', alertname: 'OpenBaoReplicationStale', exp_alerts: [{ exp_labels: { severity: 'critical' } }] }] },
    ]);
    expect(result.status).not.toBe(0);
  });

  test('rendering them is optional, and their labels are configurable', () => {
    expect(ruleObjects(twoRegions({ openbao: { replication: { alerts: { enabled: false } } } }))).toEqual([]);
    const [custom] = ruleObjects(twoRegions({ openbao: { replication: { alerts: { ruleLabels: { prometheus: 'platform' } } } } }));
    expect((custom.metadata as any).labels).toMatchObject({ prometheus: 'platform' });
    expect((custom.metadata as any).labels.release).toBeUndefined();
  });
});
