import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { PodMonitor } from '../../imports/podmonitors-monitoring.coreos.com';
import { PrometheusRule, type PrometheusRuleSpecGroupsRules, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrules-monitoring.coreos.com';
import { labelsProblems, throwIfProblems } from '../common/problems';
import { RegionContext } from '../common/region-context';
import type { DatabaseNetworkPolicyOptions } from './database-network-policy';
import { objectStoreName, scheduledBackupName } from './naming';

/** Whether a database's alerting rules are rendered, and how Prometheus finds them. */
export interface DatabaseAlertsOptions {
  /** Render a PrometheusRule per Cluster (needs the prometheus-operator CRDs and the Cluster's metrics scraped). @default true */
  readonly enabled?: boolean;
  /** Labels the Prometheus `ruleSelector` matches (kube-prometheus-stack selects `release: <its release name>`). @default { release: 'kube-prometheus-stack' } */
  readonly ruleLabels?: Readonly<Record<string, string>>;
}

/** Whether each Cluster gets a PodMonitor, and how Prometheus finds it. */
export interface DatabasePodMonitorOptions {
  /** Render a `monitoring.coreos.com/v1` PodMonitor per Cluster (CNPG's own `enablePodMonitor` is deprecated). @default true */
  readonly enabled?: boolean;
  /** Labels the Prometheus `podMonitorSelector` matches. @default { release: 'kube-prometheus-stack' } */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface CnpgClusterMonitoringProps {
  /** The CNPG `Cluster` whose instances are scraped and watched. */
  readonly cluster: ApiObject;
  /** @default - a PodMonitor labelled `release: kube-prometheus-stack` */
  readonly podMonitor?: DatabasePodMonitorOptions;
  /** @default - a PrometheusRule labelled `release: kube-prometheus-stack`, when there is anything to watch */
  readonly alerts?: DatabaseAlertsOptions;
  /** The Cluster archives WAL and takes base backups: watch both. @default - it does not */
  readonly archive?: {
    /** PostgreSQL `archive_timeout` in seconds (CNPG's default is 5min, `pkg/postgres/configuration.go` at v1.30.0). */
    readonly archiveTimeoutSeconds: number;
    /** Longest gap between two scheduled base backups, in seconds. */
    readonly backupIntervalSeconds: number;
  };
  /** The Cluster is a replica Cluster following another region: watch its lag. @default false */
  readonly replica?: boolean;
  /** Labels of the objects, besides the selector labels. @default - the region's common labels */
  readonly labels?: Readonly<Record<string, string>>;
}

const DEFAULT_SELECTOR_LABELS = { release: 'kube-prometheus-stack' } as const;
/** Where Prometheus runs unless a database's network policy names another namespace (as `openbao.metricsNamespace`). */
const DEFAULT_METRICS_NAMESPACE = 'monitoring';

/**
 * The network policy options of a Cluster that gets a PodMonitor: scraping 9187 must be admitted, or the PodMonitor
 * collects nothing and every alert stays silent; without a `metricsNamespace`, Prometheus is taken to run in `monitoring`.
 */
export function scrapeableNetworkPolicy(options: DatabaseNetworkPolicyOptions | undefined, podMonitor: DatabasePodMonitorOptions | undefined): DatabaseNetworkPolicyOptions {
  if (!(podMonitor?.enabled ?? true) || options?.metricsNamespace !== undefined) return { ...options };
  return { ...options, metricsNamespace: DEFAULT_METRICS_NAMESPACE };
}
/** How long a replica may trail the primary before it alerts: CNPG's sample `PGReplication` rule (docs/src/samples/monitoring/prometheusrule.yaml, v1.30.0). */
export const REPLICA_LAG_ALERT_SECONDS = 300;
/** A replica receiving nothing this long alerts: it is at best catching up from the archive. */
const REPLICA_NOT_STREAMING_FOR = '15m';

// Metric names as CloudNativePG 1.30.0 and the Barman Cloud plugin 0.14.0 export them on the instances' port 9187.
// cnpg_<query>_<column> come from the default monitoring queries (config/manager/default-monitoring.yaml, prefixed
// `cnpg` in pkg/management/postgres/metrics/collector.go); cnpg_collector_* from
// pkg/management/postgres/webserver/metricserver/pg_collector.go. The backup timestamps moved into the plugin: CNPG's
// own cnpg_collector_last_available_backup_timestamp is deprecated and stays 0 for plugin backups
// (docs/src/monitoring.md at v1.30.0); the plugin exports barman_cloud_cloudnative_pg_io_* from its ObjectStore's
// status (plugin-barman-cloud internal/cnpgi/instance/metrics.go, v0.14.0), relayed by the instance manager's plugin
// collector (pkg/management/postgres/metrics/collector.go NewPluginCollector) without the cnpg_ prefix.
const METRICS = {
  up: 'cnpg_collector_up', // label cluster=<Cluster name>
  secondsSinceArchival: 'cnpg_pg_stat_archiver_seconds_since_last_archival', // -1 until the first archival
  walArchiveStatus: 'cnpg_collector_pg_wal_archive_status', // value="ready": segments waiting for the archiver
  lastBackup: 'barman_cloud_cloudnative_pg_io_last_available_backup_timestamp', // 0 until the first backup
  lastFailedBackup: 'barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp',
  replicationLag: 'cnpg_pg_replication_lag', // 0 while received == replayed, even when nothing is received
  inRecovery: 'cnpg_pg_replication_in_recovery',
  walReceiverUp: 'cnpg_pg_replication_is_wal_receiver_up',
} as const;

/** The rule names a Cluster's PrometheusRule may hold. */
export const DATABASE_ALERTS = {
  metricsAbsent: 'CnpgMetricsAbsent',
  walArchiveStale: 'CnpgWalArchiveStale',
  backupStale: 'CnpgBaseBackupStale',
  backupNeverSucceeded: 'CnpgBaseBackupNeverSucceeded',
  backupFailed: 'CnpgBaseBackupFailed',
  replicaLagging: 'CnpgReplicaLagging',
  replicaNotStreaming: 'CnpgReplicaNotStreaming',
} as const;

/**
 * Prometheus scraping and durability alerts of one CNPG Cluster: a PodMonitor on the instances' `metrics` port (9187),
 * and a PrometheusRule that fires when the WAL archive or the base backups go stale (for the Cluster that archives)
 * or when a replica Cluster lags or receives nothing — plus a rule that fires when the metrics themselves are missing,
 * since every other rule is silent then.
 */
export class CnpgClusterMonitoring extends Construct {
  public readonly clusterName: string;
  public readonly namespace: string;
  /** The alert names rendered, empty when the rules are off or there is nothing to watch. */
  public readonly alertNames: readonly string[];
  /** With `archive`: the WAL archive alert threshold, in seconds. */
  public readonly archiveStaleAfterSeconds?: number;
  /** With `archive`: the base backup alert threshold, in seconds. */
  public readonly backupStaleAfterSeconds?: number;

  constructor(scope: Construct, id: string, props: CnpgClusterMonitoringProps) {
    super(scope, id);
    const region = RegionContext.of(this);
    const namespace = props.cluster.metadata.namespace;
    throwIfProblems(`CnpgClusterMonitoring ${namespace ?? '<no namespace>'}/${props.cluster.name}`, [
      ...(namespace === undefined ? [`cluster: Cluster ${props.cluster.name} has no metadata.namespace`] : []),
      ...labelsProblems('podMonitor.labels', props.podMonitor?.labels),
      ...labelsProblems('alerts.ruleLabels', props.alerts?.ruleLabels),
      ...(props.archive !== undefined && !(props.archive.archiveTimeoutSeconds > 0 && props.archive.backupIntervalSeconds > 0) ? ['archive: archiveTimeoutSeconds and backupIntervalSeconds must be positive'] : []),
    ]);
    this.clusterName = props.cluster.name;
    this.namespace = namespace!;
    const labels = { ...(props.labels ?? region.commonLabels) };

    if (props.podMonitor?.enabled ?? true) {
      new PodMonitor(this, 'PodMonitor', {
        // The shape of the PodMonitor CNPG itself builds while enablePodMonitor, deprecated (api/v1/cluster_types.go), lasts
        // (cloudnative-pg pkg/specs/podmonitor.go at v1.30.0).
        metadata: { name: this.clusterName, namespace: this.namespace, labels: { ...labels, ...(props.podMonitor?.labels ?? DEFAULT_SELECTOR_LABELS) } },
        spec: {
          selector: { matchLabels: { 'cnpg.io/cluster': this.clusterName, 'cnpg.io/podRole': 'instance' } },
          podMetricsEndpoints: [{ port: 'metrics' }], // container port "metrics", 9187 (pkg/specs/pods.go at v1.30.0)
        },
      });
    }

    const pods = `namespace="${this.namespace}",pod=~"${this.clusterName}-[0-9]+"`;
    const ruleLabels = (severity: string) => ({ severity, region: region.region, cluster: this.clusterName });
    const where = `CNPG Cluster ${this.namespace}/${this.clusterName} in ${region.region}`;
    const rules: PrometheusRuleSpecGroupsRules[] = [];
    if (props.archive !== undefined) {
      // A WAL segment is switched at least every archive_timeout while anything is written, so the newest archived WAL is
      // normally younger than that; an idle database archives nothing, hence the condition that a segment is waiting.
      const staleAfter = 3 * props.archive.archiveTimeoutSeconds;
      const interval = props.archive.backupIntervalSeconds;
      const backupAfter = interval + Math.max(3600, Math.ceil(interval / 4));
      this.archiveStaleAfterSeconds = staleAfter;
      this.backupStaleAfterSeconds = backupAfter;
      const lastBackup = `max by (namespace) (${METRICS.lastBackup}{${pods}})`;
      rules.push(
        {
          alert: DATABASE_ALERTS.walArchiveStale,
          expr: expr(
            `(${METRICS.secondsSinceArchival}{${pods}} > ${staleAfter} or ${METRICS.secondsSinceArchival}{${pods}} < 0) and on (namespace, pod) ${METRICS.walArchiveStatus}{${pods},value="ready"} > 0`,
          ),
          for: '5m',
          labels: ruleLabels('critical'),
          annotations: {
            summary: `${where} has WAL waiting that has not reached the object store for more than ${duration(staleAfter)}`,
            description: `The newest archived WAL of {{ $labels.pod }} is older than ${duration(staleAfter)} (3 x archive_timeout) while segments wait in pg_wal: a lost region now loses more than that. Check the log of the instances' plugin-barman-cloud sidecar (\`kubectl -n ${this.namespace} logs {{ $labels.pod }} -c plugin-barman-cloud\`), the ObjectStore ${objectStoreName(this.clusterName)} and its credentials, and \`kubectl cnpg status ${this.clusterName} -n ${this.namespace}\`.`,
          },
        },
        {
          alert: DATABASE_ALERTS.backupStale,
          expr: expr(`time() - ${lastBackup} > ${backupAfter} and ${lastBackup} > 0`),
          for: '10m',
          labels: ruleLabels('warning'),
          annotations: {
            summary: `${where} has no base backup newer than ${duration(backupAfter)}`,
            description: `The newest successful base backup is older than one schedule interval (${duration(interval)}) plus ${duration(backupAfter - interval)}: restores replay more WAL than planned. Check \`kubectl -n ${this.namespace} get backups\` and the ScheduledBackup ${scheduledBackupName(this.clusterName)}.`,
          },
        },
        {
          alert: DATABASE_ALERTS.backupNeverSucceeded,
          expr: expr(`${lastBackup} == 0`),
          for: duration(backupAfter),
          labels: ruleLabels('critical'),
          annotations: {
            summary: `${where} has no successful base backup on record`,
            description: `Without a base backup, WAL alone restores nothing. Check \`kubectl -n ${this.namespace} get backups\` and the ObjectStore ${objectStoreName(this.clusterName)}.`,
          },
        },
        {
          alert: DATABASE_ALERTS.backupFailed,
          expr: expr(`max by (namespace) (${METRICS.lastFailedBackup}{${pods}}) > ${lastBackup}`),
          for: '5m',
          labels: ruleLabels('warning'),
          annotations: {
            summary: `The latest base backup of ${where} failed`,
            description: `A backup attempt failed after the last successful one. \`kubectl -n ${this.namespace} get backups\` shows the failed Backup and its error.`,
          },
        },
      );
    }
    if (props.replica === true) {
      rules.push(
        {
          alert: DATABASE_ALERTS.replicaLagging,
          expr: expr(`${METRICS.replicationLag}{${pods}} > ${REPLICA_LAG_ALERT_SECONDS}`),
          for: '5m',
          labels: ruleLabels('warning'),
          annotations: {
            summary: `${where} replays the primary's WAL more than ${duration(REPLICA_LAG_ALERT_SECONDS)} behind`,
            description: `{{ $labels.pod }} lags {{ $value | humanizeDuration }}; a promotion now would lose that much. Check the mesh link to the primary and \`kubectl cnpg status ${this.clusterName} -n ${this.namespace}\`.`,
          },
        },
        {
          // cnpg_pg_replication_lag reads 0 while everything received is replayed, so a replica that receives nothing
          // looks current: the WAL receiver is the signal (CNPG's sample ReplicaFailingReplication rule, v1.30.0).
          alert: DATABASE_ALERTS.replicaNotStreaming,
          expr: expr(`${METRICS.inRecovery}{${pods}} > ${METRICS.walReceiverUp}{${pods}}`),
          for: REPLICA_NOT_STREAMING_FOR,
          labels: ruleLabels('warning'),
          annotations: {
            summary: `${where} has not streamed from its source for ${REPLICA_NOT_STREAMING_FOR}`,
            description: `{{ $labels.pod }} has no WAL receiver: at best it catches up from the primary's WAL archive (behind by up to archive_timeout), at worst it is stuck. Check the mesh Service and the TLS hand-over Secrets in ${this.namespace}.`,
          },
        },
      );
    }
    if (rules.length > 0) {
      rules.unshift({
        alert: DATABASE_ALERTS.metricsAbsent,
        expr: expr(`absent(${METRICS.up}{namespace="${this.namespace}",cluster="${this.clusterName}"})`),
        for: '10m',
        labels: ruleLabels('warning'),
        annotations: {
          summary: `No metrics from ${where}: its durability alerts cannot fire`,
          description: `Prometheus scrapes nothing from the instances' port 9187. Check the PodMonitor ${this.clusterName}, the CiliumNetworkPolicy ${this.clusterName}-ingress (networkPolicy.metricsNamespace) and the instance pods.`,
        },
      });
    }
    this.alertNames = (props.alerts?.enabled ?? true) ? rules.map((r) => r.alert!) : [];
    if (this.alertNames.length > 0) {
      new PrometheusRule(this, 'Alerts', {
        metadata: { name: `${this.clusterName}-durability`, namespace: this.namespace, labels: { ...labels, ...(props.alerts?.ruleLabels ?? DEFAULT_SELECTOR_LABELS) } },
        spec: { groups: [{ name: `cnpg-${this.namespace}-${this.clusterName}`, rules }] },
      });
    }
  }
}

function expr(text: string): PrometheusRuleSpecGroupsRulesExpr {
  return PrometheusRuleSpecGroupsRulesExpr.fromString(text);
}

/** Seconds as a Prometheus duration ("15m", "30h"). */
function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${Math.round(seconds)}s`;
}
