import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { type KubeObject, synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { FSN, HEL, twoRegions } from '../helpers/configs';
import { promtool, rulesFolder } from '../helpers/promtool';

// Every PrometheusRule the library renders, unit-tested with Prometheus' own promtool (Debian package `prometheus`).
// The verifier CronJob succeeds only while the replica serves a recent heartbeat, i.e. after a verified restore.
const SERIES = 'kube_cronjob_status_last_successful_time{namespace="openbao",cronjob="openbao-replication-verifier"}';

function ruleObjects(input = twoRegions(), name = 'openbao-replication'): KubeObject[] {
  return synthesizeSovereign(resolveSovereignConfig(input)).regions.flatMap((r) => r.objects).filter((o) => o.kind === 'PrometheusRule' && o.metadata.name === name);
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

// The backup CronJob succeeds only once the snapshot is stored and verified; kube-state-metrics exports its last
// success and no series before the first (kubernetes/kube-state-metrics internal/store/cronjob.go, v2.20.0).
describe('snapshot backup alerting rules (promtool test rules)', () => {
  const BACKUP = 'kube_cronjob_status_last_successful_time{namespace="openbao",cronjob="openbao-snapshot-backup"}';
  const backupRules = (input = twoRegions()) => ruleObjects(input, 'openbao-snapshot-backup');
  const [rule] = backupRules();
  const labels = { severity: 'warning', region: FSN, namespace: 'openbao', cronjob: 'openbao-snapshot-backup' };
  /** One sample a minute for `hours`: the latest of `successes` (seconds) so far, no sample before the first. */
  const lastSuccess = (successes: number[], hours: number) =>
    Array.from({ length: hours * 60 + 1 }, (_, minute) => successes.filter((at) => at <= minute * 60).pop() ?? '_').join(' ');
  const noAlerts = (alertname: string, minutes: number[]) => minutes.map((m) => ({ eval_time: `${m}m`, alertname, exp_alerts: [] }));

  test('are rendered once, in the primary region, and pass promtool check rules', () => {
    expect(backupRules().map((r) => [r.metadata.namespace, (r.metadata as any).labels['sovereign.openova.io/region']])).toEqual([['openbao', FSN]]);
    const result = spawnSync('promtool', ['check', 'rules', join(rulesFolder(rule), 'rules.yaml')], { encoding: 'utf8' });
    expect(result.stdout).toContain('SUCCESS: 2 rules found');
    expect(result.status).toBe(0);
  });

  test('stale fires once no snapshot was verified for two hourly intervals plus a run (3h), and not before', () => {
    const { annotations } = (rule as any).spec.groups[0].rules[0];
    const result = promtool(rule, [
      {
        interval: '1m',
        input_series: [{ series: BACKUP, values: '0x300' }],
        alert_rule_test: [
          ...noAlerts('OpenBaoSnapshotBackupStale', [60, 120, 179, 180, 181]),
          { eval_time: '183m', alertname: 'OpenBaoSnapshotBackupStale', exp_alerts: [{ exp_labels: labels, exp_annotations: annotations }] },
          { eval_time: '183m', alertname: 'OpenBaoSnapshotBackupNeverSucceeded', exp_alerts: [] },
        ],
      },
    ]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  test('hourly successes never fire, even when runs end late or one run fails', () => {
    // Successes at 0:05, 1:05, 2:50 (a slow run), 5:05 (the 4:00 run failed), 6:05, ...
    const successes = [300, 3900, 10200, 18300, 21900, 25500, 29100];
    const result = promtool(rule, [
      {
        interval: '1m',
        input_series: [{ series: BACKUP, values: lastSuccess(successes, 9) }],
        alert_rule_test: [...noAlerts('OpenBaoSnapshotBackupStale', [30, 170, 290, 304, 360, 480, 535]), ...noAlerts('OpenBaoSnapshotBackupNeverSucceeded', [200, 535])],
      },
    ]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  test('never-succeeded fires when no snapshot was ever verified for 3h, and not before', () => {
    const { annotations } = (rule as any).spec.groups[0].rules[1];
    const result = promtool(rule, [
      {
        interval: '1m',
        input_series: [{ series: 'up{job="kube-state-metrics"}', values: '1x200' }],
        alert_rule_test: [
          ...noAlerts('OpenBaoSnapshotBackupNeverSucceeded', [60, 179]),
          { eval_time: '181m', alertname: 'OpenBaoSnapshotBackupNeverSucceeded', exp_alerts: [{ exp_labels: labels, exp_annotations: annotations }] },
        ],
      },
    ]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  test('a daily schedule waits two days and a run (49h)', () => {
    const [daily] = backupRules(twoRegions({ openbao: { backup: { schedule: '0 3 * * *' } } }));
    expect((daily as any).spec.groups[0].rules[0].expr).toBe(`time() - ${BACKUP} > ${49 * 3600}`);
    const result = promtool(daily, [
      {
        interval: '1m',
        input_series: [{ series: BACKUP, values: '0x3000' }],
        alert_rule_test: [...noAlerts('OpenBaoSnapshotBackupStale', [48 * 60, 49 * 60]), { eval_time: `${49 * 60 + 5}m`, alertname: 'OpenBaoSnapshotBackupStale', exp_alerts: [{ exp_labels: labels, exp_annotations: (daily as any).spec.groups[0].rules[0].annotations }] }],
      },
    ]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});
