import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Cluster, type ClusterSpecBootstrapRecoveryRecoveryTarget } from '../../imports/clusters-postgresql.cnpg.io';
import { type ContainerResources, DNS1123_LABEL, QUANTITY, resourcesProblems } from '../common/kube-values';
import { LABEL_PREFIX } from '../common/labels';
import { labelsProblems, throwIfProblems } from '../common/problems';
import { RegionContext } from '../common/region-context';
import { BarmanObjectStore, type S3CredentialsRef, type S3ObjectStore, s3ObjectStoreProblems } from './barman-object-store';
import { barmanPlugin, baseClusterSpec } from './cluster-spec';
import { CnpgClusterMonitoring, type DatabasePodMonitorOptions, scrapeableNetworkPolicy } from './database-monitoring';
import { DatabaseNetworkPolicy, type DatabaseNetworkPolicyOptions, databaseNetworkPolicyProblems } from './database-network-policy';
import { CNPG_CLUSTER_NAME_MAX, restoreClusterName } from './naming';
import { postgresImageProblem } from './postgres-image';

export interface CnpgRecoveryClusterProps {
  /** Name of the new Cluster; DNS-1035, at most 50 characters. It must not be the name of the Cluster it restores. */
  readonly name: string;
  /** Namespace of the new Cluster (created if the region context creates namespaces). */
  readonly namespace: string;
  /** The Cluster whose archive is restored: its name is the archive's Barman server name. */
  readonly sourceClusterName: string;
  /** Where that Cluster archived: endpoint, bucket, folder (its namespace's folder below `path`) and the endpoint's CA. */
  readonly sourceObjectStore: S3ObjectStore;
  /** The namespace from whose folder the archive is read. @default - `namespace` */
  readonly sourceNamespace?: string;
  /** Credentials (a Secret in `namespace`) that can read the archive. @default - `sourceObjectStore.credentials` */
  readonly credentials?: S3CredentialsRef;
  /** Restore exactly this base backup (its Barman backup ID, e.g. `20261124T000012`). Exclusive with `targetTime`. @default - the newest backup before the target */
  readonly backupId?: string;
  /** Point in time to recover to, RFC 3339 with an offset (`2026-11-24T10:14:00Z`). Exclusive with `backupId`. @default - the end of the archive */
  readonly targetTime?: string;
  /** PostgreSQL image: the same major as the Cluster that wrote the archive, pinned to a full version. */
  readonly imageName: string;
  /** PostgreSQL instances. @default 1 */
  readonly instances?: number;
  /** Size of each instance's data volume; at least the source's data. @default '10Gi' */
  readonly storageSize?: string;
  /** @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /** @default - none set */
  readonly resources?: ContainerResources;
  /** The application database (its owner gets a fresh `<name>-app` Secret). @default 'app' */
  readonly database?: string;
  /** @default 'app' */
  readonly owner?: string;
  /** Extra `postgresql.parameters`. @default - the WAL settings only */
  readonly parameters?: Record<string, string>;
  /** Who may reach the instances. @default - clients from the namespace only, the operator in cnpg-system, Prometheus in `monitoring` on 9187 when the PodMonitor is on */
  readonly networkPolicy?: DatabaseNetworkPolicyOptions;
  /** @default - a PodMonitor labelled `release: kube-prometheus-stack` */
  readonly podMonitor?: DatabasePodMonitorOptions;
  /** Labels of the objects. @default - the region's common labels */
  readonly labels?: Readonly<Record<string, string>>;
}

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const PG_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
// Barman backup IDs are the backup's start time, `%Y%m%dT%H%M%S` (what `kubectl get backups` shows as .status.backupId).
const BACKUP_ID = /^[0-9]{8}T[0-9]{6}$/;
const RFC3339 = /^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})$/;

/**
 * A NEW CloudNativePG Cluster bootstrapped from another Cluster's Barman Cloud archive: `bootstrap.recovery` from an
 * external cluster that names the Barman Cloud plugin, to the end of the archive, a point in time or one base backup.
 * It is a recovery copy beside the original, not its replacement: it archives nothing and takes no backups, so it can
 * be created and deleted again without touching any archive. Copy what was lost back with `pg_dump` (README runbook).
 */
export class CnpgRecoveryCluster extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly sourceClusterName: string;
  /** The ObjectStore the recovery reads the archive through: `<name>-source`. */
  public readonly objectStore: BarmanObjectStore;
  /** The rendered CNPG `Cluster`. */
  public readonly cluster: ApiObject;
  public readonly networkPolicy: DatabaseNetworkPolicy;

  constructor(scope: Construct, id: string, props: CnpgRecoveryClusterProps) {
    super(scope, id);
    throwIfProblems(`CnpgRecoveryCluster ${props.namespace}/${props.name}`, recoveryClusterProblems(props));
    const region = RegionContext.of(this);
    region.ensureNamespace(this, props.namespace);
    this.name = props.name;
    this.namespace = props.namespace;
    this.sourceClusterName = props.sourceClusterName;
    const labels = { ...(props.labels ?? region.commonLabels) };

    this.objectStore = new BarmanObjectStore(this, 'Source', {
      name: `${props.name}-source`,
      namespace: props.namespace,
      // The archive lives in the source namespace's folder; the credentials Secret is looked up in this namespace.
      location: props.sourceObjectStore,
      credentials: props.credentials,
      folderNamespace: props.sourceNamespace,
      labels,
    });
    const recoveryTarget: ClusterSpecBootstrapRecoveryRecoveryTarget | undefined =
      props.targetTime !== undefined
        ? { targetTime: props.targetTime }
        : props.backupId !== undefined
          ? // One base backup, consistent and nothing after it: targetImmediate needs the backupID
            // (internal/webhook/v1/cluster_webhook.go validateRecoveryTarget at v1.30.0).
            { backupId: props.backupId, targetImmediate: true }
          : undefined;
    const facts = { [`${LABEL_PREFIX}/role`]: 'restore', [`${LABEL_PREFIX}/restored-from`]: props.sourceClusterName };
    this.cluster = new Cluster(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...labels, ...facts }, annotations: { ...facts, [`${LABEL_PREFIX}/region`]: region.region } },
      spec: {
        ...baseClusterSpec(region, props),
        bootstrap: {
          // The plugin restores base backup and WAL for a recovery whose source external cluster names it
          // (plugin-barman-cloud internal/cnpgi/operator/config/config.go getRecoverySourcePlugin, v0.14.0;
          // hack/examples/cluster-restore.yaml).
          recovery: { source: props.sourceClusterName, database: props.database ?? 'app', owner: props.owner ?? 'app', ...(recoveryTarget !== undefined ? { recoveryTarget } : {}) },
        },
        externalClusters: [{ name: props.sourceClusterName, plugin: barmanPlugin(this.objectStore.name, props.sourceClusterName) }],
      },
    });
    this.networkPolicy = new DatabaseNetworkPolicy(this, 'NetworkPolicy', { ...scrapeableNetworkPolicy(props.networkPolicy, props.podMonitor), cluster: this.cluster, labels });
    new CnpgClusterMonitoring(this, 'Monitoring', { cluster: this.cluster, podMonitor: props.podMonitor, alerts: { enabled: false }, labels });
  }
}

/** Every problem with the props of a recovery Cluster. */
function recoveryClusterProblems(props: CnpgRecoveryClusterProps): string[] {
  const problems: string[] = [];
  const name = recoveryNameProblem(props.name);
  if (name !== undefined) problems.push(`name: ${name}`);
  if (props.name === props.sourceClusterName) {
    problems.push(`name: "${props.name}" is the Cluster being restored; a restore is a new Cluster beside it, e.g. "${restoreClusterName(props.sourceClusterName)}"`);
  }
  if (!DNS1123_LABEL.test(props.namespace) || props.namespace.length > 63) problems.push(`namespace: "${props.namespace}" is not a DNS-1123 label`);
  if (props.sourceNamespace !== undefined && (!DNS1123_LABEL.test(props.sourceNamespace) || props.sourceNamespace.length > 63)) {
    problems.push(`sourceNamespace: "${props.sourceNamespace}" is not a DNS-1123 label`);
  }
  if (typeof props.sourceClusterName !== 'string' || !DNS1035_LABEL.test(props.sourceClusterName)) problems.push(`sourceClusterName: ${JSON.stringify(props.sourceClusterName)} is not a CNPG Cluster name`);
  problems.push(...s3ObjectStoreProblems(props.sourceObjectStore ?? ({} as S3ObjectStore), 'sourceObjectStore.'));
  problems.push(...recoveryTargetProblems(props.backupId, props.targetTime));
  const image = postgresImageProblem(props.imageName);
  if (image !== undefined) problems.push(`imageName: ${image}`);
  if (props.instances !== undefined && (!Number.isInteger(props.instances) || props.instances < 1)) problems.push(`instances: must be a whole number of at least 1 (got ${props.instances})`);
  if (props.storageSize !== undefined && !QUANTITY.test(props.storageSize)) problems.push(`storageSize: "${props.storageSize}" is not a Kubernetes quantity such as "10Gi"`);
  problems.push(...resourcesProblems('resources', props.resources));
  for (const [field, value] of [['database', props.database], ['owner', props.owner]] as const) {
    if (value !== undefined && !PG_IDENTIFIER.test(value)) problems.push(`${field}: "${value}" is not a lowercase PostgreSQL identifier`);
  }
  problems.push(...databaseNetworkPolicyProblems(props.networkPolicy ?? {}, 'networkPolicy.'));
  problems.push(...labelsProblems('podMonitor.labels', props.podMonitor?.labels));
  return problems;
}

/** Why a restore Cluster name is unusable, or undefined. */
export function recoveryNameProblem(name: string): string | undefined {
  return typeof name === 'string' && DNS1035_LABEL.test(name) && name.length <= CNPG_CLUSTER_NAME_MAX
    ? undefined
    : `${JSON.stringify(name)} must be a DNS-1035 label of at most ${CNPG_CLUSTER_NAME_MAX} characters (CloudNativePG's Cluster name limit)`;
}

/** Problems with a recovery target: one base backup (`backupId`) or one moment (`targetTime`), not both. */
export function recoveryTargetProblems(backupId: string | undefined, targetTime: string | undefined, prefix = ''): string[] {
  const problems: string[] = [];
  if (backupId !== undefined && targetTime !== undefined) {
    problems.push(`${prefix}backupId, ${prefix}targetTime: give one of them: backupId restores exactly that base backup, targetTime replays the WAL up to that moment`);
  }
  if (backupId !== undefined && !BACKUP_ID.test(backupId)) {
    problems.push(`${prefix}backupId: "${backupId}" is not a Barman backup ID such as "20261124T000012" (see \`kubectl get backups -o custom-columns=NAME:.metadata.name,ID:.status.backupId\`)`);
  }
  if (targetTime !== undefined && (!RFC3339.test(targetTime) || Number.isNaN(Date.parse(targetTime.replace(' ', 'T'))))) {
    problems.push(`${prefix}targetTime: "${targetTime}" must be an RFC 3339 time with an offset, such as "2026-11-24T10:14:00Z"`);
  }
  return problems;
}
