import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { type KubeObject, synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { FSN, HEL, twoRegions } from '../helpers/configs';
import { promtool, rulesFolder } from '../helpers/promtool';
import { expectValidSovereign } from '../helpers/manifests';

// Every database PrometheusRule, unit-tested with Prometheus' own promtool (Debian package `prometheus`), the way the
// replication alerts are (test/openbao/replication-alerts.test.ts). The series carry the labels a PodMonitor scrape
// gives them (namespace, pod); the metric names are CNPG 1.30.0's and the Barman Cloud plugin 0.14.0's.
const NS = 'tenant-a';
const PRIMARY_POD = `namespace="${NS}",pod="mydb-1"`;
const REPLICA_POD = `namespace="${NS}",pod="mydb-replica-1"`;
const HOUR = 3600;

function durabilityRules(): Map<string, KubeObject> {
  const output = synthesizeSovereign(resolveSovereignConfig(twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ name: 'mydb', namespace: NS }] })));
  expectValidSovereign(output);
  const rules = output.regions.flatMap((r) => r.objects.filter((o) => o.kind === 'PrometheusRule' && o.metadata.namespace === NS).map((o) => [`${r.region}/${o.metadata.name}`, o] as const));
  return new Map(rules);
}

function expectPasses(rule: KubeObject, tests: unknown[]): void {
  const result = promtool(rule, tests);
  expect(result.output).toContain('SUCCESS');
  expect(result.status).toBe(0);
}

/** The rule's annotations as Prometheus renders them for one alert (`{{ $labels.x }}` and `{{ $value | humanizeDuration }}`). */
function annotations(rule: KubeObject, alert: string, labels: Record<string, string>, humanized?: string): Record<string, string> {
  const found = (rule as any).spec.groups[0].rules.find((r: any) => r.alert === alert);
  return Object.fromEntries(
    Object.entries(found.annotations as Record<string, string>).map(([k, v]) => [
      k,
      v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name) => labels[name] ?? '').replace('{{ $value | humanizeDuration }}', humanized ?? ''),
    ]),
  );
}

/** `minutes` samples, one a minute, of `value(minute)`. */
const perMinute = (minutes: number, value: (minute: number) => number) => Array.from({ length: minutes + 1 }, (_, m) => value(m)).join(' ');

describe('database durability alerts (promtool test rules)', () => {
  const rules = durabilityRules();
  const archiver = rules.get(`${FSN}/mydb-durability`)!;
  const replica = rules.get(`${HEL}/mydb-replica-durability`)!;
  const primaryLabels = (severity: string) => ({ severity, region: FSN, cluster: 'mydb', namespace: NS });

  test('one rule object per Cluster, labelled for a typical Prometheus rule selector, and promtool accepts them', () => {
    expect([...rules.keys()]).toEqual([`${FSN}/mydb-durability`, `${HEL}/mydb-replica-durability`]);
    for (const [file, count] of [[archiver, 5], [replica, 3]] as const) {
      expect((file.metadata as any).labels.release).toBe('kube-prometheus-stack');
      const result = spawnSync('promtool', ['check', 'rules', join(rulesFolder(file), 'rules.yaml')], { encoding: 'utf8' });
      expect(result.stdout).toContain(`SUCCESS: ${count} rules found`);
      expect(result.status).toBe(0);
    }
  });

  describe('CnpgWalArchiveStale', () => {
    const stale = (pod: Record<string, string>) => ({ ...primaryLabels('critical'), pod: pod.pod });
    test('fires once WAL waits and the newest archived segment is older than 3 x archive_timeout for 5m, not before', () => {
      expectPasses(archiver, [
        {
          interval: '1m',
          // Archiving stopped at t=0: the age grows a minute a minute, and a segment is waiting all along.
          input_series: [
            { series: `cnpg_pg_stat_archiver_seconds_since_last_archival{${PRIMARY_POD}}`, values: '0+60x40' },
            { series: `cnpg_collector_pg_wal_archive_status{${PRIMARY_POD},value="ready"}`, values: '1x40' },
          ],
          alert_rule_test: [
            { eval_time: '15m', alertname: 'CnpgWalArchiveStale', exp_alerts: [] },
            { eval_time: '20m', alertname: 'CnpgWalArchiveStale', exp_alerts: [] },
            {
              eval_time: '22m',
              alertname: 'CnpgWalArchiveStale',
              exp_alerts: [{ exp_labels: stale({ pod: 'mydb-1' }), exp_annotations: annotations(archiver, 'CnpgWalArchiveStale', { pod: 'mydb-1' }) }],
            },
          ],
        },
      ]);
    });

    test('fires when nothing was ever archived while WAL waits', () => {
      expectPasses(archiver, [
        {
          interval: '1m',
          input_series: [
            { series: `cnpg_pg_stat_archiver_seconds_since_last_archival{${PRIMARY_POD}}`, values: '-1x20' },
            { series: `cnpg_collector_pg_wal_archive_status{${PRIMARY_POD},value="ready"}`, values: '3x20' },
          ],
          alert_rule_test: [
            { eval_time: '4m', alertname: 'CnpgWalArchiveStale', exp_alerts: [] },
            { eval_time: '6m', alertname: 'CnpgWalArchiveStale', exp_alerts: [{ exp_labels: stale({ pod: 'mydb-1' }), exp_annotations: annotations(archiver, 'CnpgWalArchiveStale', { pod: 'mydb-1' }) }] },
          ],
        },
      ]);
    });

    test('an idle database (nothing waiting) and a busy one that keeps archiving never fire', () => {
      expectPasses(archiver, [
        {
          interval: '1m',
          input_series: [
            { series: `cnpg_pg_stat_archiver_seconds_since_last_archival{${PRIMARY_POD}}`, values: '0+60x120' },
            { series: `cnpg_collector_pg_wal_archive_status{${PRIMARY_POD},value="ready"}`, values: '0x120' },
          ],
          alert_rule_test: [30, 60, 120].map((m) => ({ eval_time: `${m}m`, alertname: 'CnpgWalArchiveStale', exp_alerts: [] })),
        },
        {
          interval: '1m',
          input_series: [
            // Every archive_timeout a segment is archived; one is always queued behind it.
            { series: `cnpg_pg_stat_archiver_seconds_since_last_archival{${PRIMARY_POD}}`, values: perMinute(120, (m) => (m % 5) * 60) },
            { series: `cnpg_collector_pg_wal_archive_status{${PRIMARY_POD},value="ready"}`, values: '1x120' },
          ],
          alert_rule_test: [30, 60, 120].map((m) => ({ eval_time: `${m}m`, alertname: 'CnpgWalArchiveStale', exp_alerts: [] })),
        },
      ]);
    });
  });

  describe('base backups', () => {
    const lastBackup = `barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{${PRIMARY_POD}}`;
    test('CnpgBaseBackupStale fires once the newest backup is older than the interval plus 6h (30h) for 10m, not before', () => {
      expectPasses(archiver, [
        {
          interval: '1m',
          // One backup at t=1s, none after it.
          input_series: [{ series: lastBackup, values: `1x${31 * 60}` }],
          alert_rule_test: [
            { eval_time: '29h', alertname: 'CnpgBaseBackupStale', exp_alerts: [] },
            { eval_time: '30h5m', alertname: 'CnpgBaseBackupStale', exp_alerts: [] },
            { eval_time: '30h12m', alertname: 'CnpgBaseBackupStale', exp_alerts: [{ exp_labels: primaryLabels('warning'), exp_annotations: annotations(archiver, 'CnpgBaseBackupStale', {}) }] },
            { eval_time: '30h12m', alertname: 'CnpgBaseBackupNeverSucceeded', exp_alerts: [] },
          ],
        },
      ]);
    });

    test('a backup every night never fires', () => {
      // Each night's backup completes at 00:10; the metric holds the newest one's time.
      expectPasses(archiver, [
        {
          interval: '1m',
          input_series: [{ series: lastBackup, values: perMinute(4 * 24 * 60, (m) => (m < 10 ? 0 : 600 + 86400 * Math.floor((m * 60 - 600) / 86400))) }],
          alert_rule_test: ['29h', '50h', '75h', '95h'].flatMap((t) => [
            { eval_time: t, alertname: 'CnpgBaseBackupStale', exp_alerts: [] },
            { eval_time: t, alertname: 'CnpgBaseBackupNeverSucceeded', exp_alerts: [] },
          ]),
        },
      ]);
    });

    test('CnpgBaseBackupNeverSucceeded fires when no backup exists one interval plus grace after the plugin reports', () => {
      expectPasses(archiver, [
        {
          interval: '1m',
          input_series: [{ series: lastBackup, values: `0x${31 * 60}` }],
          alert_rule_test: [
            { eval_time: '29h', alertname: 'CnpgBaseBackupNeverSucceeded', exp_alerts: [] },
            {
              eval_time: '30h5m',
              alertname: 'CnpgBaseBackupNeverSucceeded',
              exp_alerts: [{ exp_labels: primaryLabels('critical'), exp_annotations: annotations(archiver, 'CnpgBaseBackupNeverSucceeded', {}) }],
            },
            { eval_time: '30h5m', alertname: 'CnpgBaseBackupStale', exp_alerts: [] },
          ],
        },
      ]);
    });

    test('CnpgBaseBackupFailed fires when the newest attempt failed, and not when a success followed', () => {
      const failed = `barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp{${PRIMARY_POD}}`;
      expectPasses(archiver, [
        {
          interval: '1m',
          input_series: [
            { series: lastBackup, values: '100x20' },
            { series: failed, values: '200x20' },
          ],
          alert_rule_test: [
            { eval_time: '4m', alertname: 'CnpgBaseBackupFailed', exp_alerts: [] },
            { eval_time: '6m', alertname: 'CnpgBaseBackupFailed', exp_alerts: [{ exp_labels: primaryLabels('warning'), exp_annotations: annotations(archiver, 'CnpgBaseBackupFailed', {}) }] },
          ],
        },
        {
          interval: '1m',
          input_series: [
            { series: lastBackup, values: '300x20' },
            { series: failed, values: '200x20' },
          ],
          alert_rule_test: [{ eval_time: '10m', alertname: 'CnpgBaseBackupFailed', exp_alerts: [] }],
        },
      ]);
    });
  });

  describe('replica lag', () => {
    const replicaLabels = { severity: 'warning', region: HEL, cluster: 'mydb-replica', namespace: NS, pod: 'mydb-replica-1' };
    test('CnpgReplicaLagging fires once replay trails the primary by more than 5m for 5m, not before', () => {
      expectPasses(replica, [
        {
          interval: '1m',
          input_series: [{ series: `cnpg_pg_replication_lag{${REPLICA_POD}}`, values: '0+10x60' }],
          alert_rule_test: [
            { eval_time: '30m', alertname: 'CnpgReplicaLagging', exp_alerts: [] },
            { eval_time: '35m', alertname: 'CnpgReplicaLagging', exp_alerts: [] },
            { eval_time: '37m', alertname: 'CnpgReplicaLagging', exp_alerts: [{ exp_labels: replicaLabels, exp_annotations: annotations(replica, 'CnpgReplicaLagging', replicaLabels, '6m 10s') }] },
          ],
        },
        {
          interval: '1m',
          input_series: [{ series: `cnpg_pg_replication_lag{${REPLICA_POD}}`, values: '5x60' }],
          alert_rule_test: [{ eval_time: '60m', alertname: 'CnpgReplicaLagging', exp_alerts: [] }],
        },
      ]);
    });

    test('CnpgReplicaNotStreaming fires after 15m in recovery without a WAL receiver (the lag reads 0 then), not before', () => {
      expectPasses(replica, [
        {
          interval: '1m',
          input_series: [
            { series: `cnpg_pg_replication_in_recovery{${REPLICA_POD}}`, values: '1x30' },
            { series: `cnpg_pg_replication_is_wal_receiver_up{${REPLICA_POD}}`, values: '0x30' },
            { series: `cnpg_pg_replication_lag{${REPLICA_POD}}`, values: '0x30' },
          ],
          alert_rule_test: [
            { eval_time: '14m', alertname: 'CnpgReplicaNotStreaming', exp_alerts: [] },
            { eval_time: '16m', alertname: 'CnpgReplicaNotStreaming', exp_alerts: [{ exp_labels: replicaLabels, exp_annotations: annotations(replica, 'CnpgReplicaNotStreaming', replicaLabels) }] },
            { eval_time: '16m', alertname: 'CnpgReplicaLagging', exp_alerts: [] },
          ],
        },
        {
          interval: '1m',
          input_series: [
            { series: `cnpg_pg_replication_in_recovery{${REPLICA_POD}}`, values: '1x30' },
            { series: `cnpg_pg_replication_is_wal_receiver_up{${REPLICA_POD}}`, values: '1x30' },
          ],
          alert_rule_test: [{ eval_time: '30m', alertname: 'CnpgReplicaNotStreaming', exp_alerts: [] }],
        },
      ]);
    });
  });

  test('CnpgMetricsAbsent fires when the Cluster exports nothing for 10m, and not while it does', () => {
    for (const [rule, cluster, region] of [[archiver, 'mydb', FSN], [replica, 'mydb-replica', HEL]] as const) {
      const labels = { severity: 'warning', region, cluster, namespace: NS };
      expectPasses(rule, [
        {
          interval: '1m',
          input_series: [{ series: 'up{job="kube-state-metrics"}', values: '1x20' }],
          alert_rule_test: [
            { eval_time: '9m', alertname: 'CnpgMetricsAbsent', exp_alerts: [] },
            { eval_time: '11m', alertname: 'CnpgMetricsAbsent', exp_alerts: [{ exp_labels: labels, exp_annotations: annotations(rule, 'CnpgMetricsAbsent', {}) }] },
          ],
        },
        {
          interval: '1m',
          input_series: [{ series: `cnpg_collector_up{namespace="${NS}",pod="${cluster}-1",cluster="${cluster}"}`, values: '1x20' }],
          alert_rule_test: [{ eval_time: '20m', alertname: 'CnpgMetricsAbsent', exp_alerts: [] }],
        },
      ]);
    }
  });

  test('a promtool case that contradicts the rules fails (the harness can fail)', () => {
    const result = promtool(archiver, [
      {
        interval: '1m',
        input_series: [{ series: `barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{${PRIMARY_POD}}`, values: '0x20' }],
        alert_rule_test: [{ eval_time: '10m', alertname: 'CnpgBaseBackupNeverSucceeded', exp_alerts: [{ exp_labels: primaryLabels('critical') }] }],
      },
    ]);
    expect(result.status).not.toBe(0);
  });

  test('thresholds follow the schedule and archive_timeout', () => {
    const output = synthesizeSovereign(
      resolveSovereignConfig(twoRegions({ databases: [{ name: 'mydb', namespace: NS, backup: { schedule: '0 0 * * * *' }, parameters: { archive_timeout: '1min' } }] })),
    );
    expectValidSovereign(output);
    const rule = output.regions[0].objects.find((o) => o.kind === 'PrometheusRule' && o.metadata.namespace === NS) as any;
    const expr = (alert: string) => rule.spec.groups[0].rules.find((r: any) => r.alert === alert).expr as string;
    expect(expr('CnpgWalArchiveStale')).toContain('> 180 or');
    // Hourly backups: one interval plus at least an hour.
    expect(expr('CnpgBaseBackupStale')).toContain(`> ${2 * HOUR} and`);
  });
});
