import { Construct } from 'constructs';
import { Cluster, type ClusterSpec, ClusterSpecManagedServicesAdditionalSelectorType } from '../../imports/clusters-postgresql.cnpg.io';
import { ScheduledBackup, ScheduledBackupSpecBackupOwnerReference, ScheduledBackupSpecMethod } from '../../imports/scheduledbackups-postgresql.cnpg.io';
import { type ContainerResources, DNS1123_LABEL, DNS1123_SUBDOMAIN, IMAGE_REF, QUANTITY, resourcesProblems } from '../common/kube-values';
import { globalServiceAnnotations, MeshAffinity } from '../mesh/cluster-mesh';
import { GlobalServiceStub } from '../mesh/global-service-stub';
import { LABEL_PREFIX } from '../common/labels';
import { RegionContext } from '../common/region-context';
import { DatabaseNetworkPolicy, type DatabaseNetworkPolicyOptions, databaseNetworkPolicyProblems } from './database-network-policy';
import { caSecretName, meshServiceName, objectStoreName, pairNameProblem, replicaClusterName, replicationSecretName, restoreClusterName, scheduledBackupName, standbyTakesOver } from './naming';
import { labelsProblems, throwIfProblems } from '../common/problems';
import { BarmanObjectStore, type S3ObjectStore, s3ObjectStoreProblems } from './barman-object-store';
import { backupIntervalSeconds, backupScheduleProblem, DEFAULT_BACKUP_SCHEDULE } from './backup-schedule';
import { archiveTimeoutSeconds, BARMAN_CLOUD_PLUGIN, barmanPlugin, baseClusterSpec } from './cluster-spec';
import { CnpgRecoveryCluster, recoveryNameProblem, recoveryTargetProblems } from './cnpg-recovery-cluster';
import { CnpgClusterMonitoring, type DatabaseAlertsOptions, type DatabasePodMonitorOptions, scrapeableNetworkPolicy } from './database-monitoring';
import { defaultPostgresImage, PINNED_POSTGRES_IMAGES, postgresImageProblem } from './postgres-image';

/** How the two Clusters of a pair relate (§8). */
export enum PairTopology {
  /** A primary Cluster and a replica Cluster in continuous recovery; promotion is one-way. */
  REPLICA_CLUSTER = 'replicaCluster',
  /** CNPG's distributed topology: both Clusters name the primary, so a switchover is a declarative change. */
  DISTRIBUTED = 'distributed',
}

/** CPU and memory of each PostgreSQL instance. */
export type PostgresResources = ContainerResources;

/** A Secret hand-over the pair needs across regions; rendered by the secrets layer (ESO), see `tlsHandovers`. */
export interface CnpgTlsHandover {
  /** Scope (region chart) of the region where CNPG generated the Secrets. */
  readonly from: Construct;
  /** Scope (region chart) of the region whose Cluster needs copies of them. */
  readonly to: Construct;
  readonly namespace: string;
  /** The Cluster that owns the Secrets. */
  readonly clusterName: string;
  /** `<cluster>-replication`: tls.crt and tls.key of the streaming_replica client certificate. */
  readonly replicationSecret: string;
  /** `<cluster>-ca`: only `ca.crt` may travel; `ca.key` never leaves its region. */
  readonly caSecret: string;
  /** Key prefix in OpenBao under which the Secrets travel: `sovereign/<sovereign>/cnpg/<namespace>/<cluster>`. */
  readonly remoteKeyPrefix: string;
}

/** A restore of one of the pair's archives into a NEW Cluster beside the pair (see `CnpgRecoveryCluster`). */
export interface CnpgPairRestoreOptions {
  /** Name of the new Cluster. @default `<name>-restore` */
  readonly name?: string;
  /**
   * The Cluster whose archive to restore: the pair's primary (`<name>`) or its replica (`<name>-replica`, which archives
   * after a promotion). @default - the Cluster that archives now
   */
  readonly fromCluster?: string;
  /** The folder of that archive in its region's bucket, when it is not the store's `path` (e.g. the path before a Sovereign was rebuilt). @default - the store's path */
  readonly fromPath?: string;
  /** The pair's region chart the new Cluster runs in; its object store's credentials read the archive. @default - the region of `fromCluster` */
  readonly region?: Construct;
  /** Restore exactly this base backup (Barman backup ID). Exclusive with `targetTime`. @default - the newest before the target */
  readonly backupId?: string;
  /** Recover to this moment (RFC 3339 with an offset). Exclusive with `backupId`. @default - the end of the archive */
  readonly targetTime?: string;
}

export interface CnpgHotStandbyPairProps {
  /** Name of the primary Cluster; the replica is `<name>-replica`. DNS-1035, at most 42 characters. */
  readonly name: string;
  /** Namespace of both Clusters; it is created in both regions. */
  readonly namespace: string;
  /**
   * The chart of the primary Cluster's region: a Sovereign's `RegionChart`, or any chart given a region context with
   * `RegionContext.provide`. The pair itself must be created inside it.
   */
  readonly primaryRegion: Construct;
  /** The chart of the hot standby's region (another region of the same Sovereign). Omit it to render the single-Cluster shape. @default - single Cluster */
  readonly replicaRegion?: Construct;
  /** PostgreSQL instances per Cluster. @default 1 */
  readonly instances?: number;
  /** PostgreSQL major version, used for the default image (14 to 18 have one). @default 16 */
  readonly postgresMajor?: number;
  /**
   * PostgreSQL image of both Clusters, pinned to a full version (`...:16.14-system-trixie`, optionally `@sha256:...`);
   * a floating tag such as `:16` is refused. @default - the image CloudNativePG 1.30.0 tests for `postgresMajor` (`PINNED_POSTGRES_IMAGES`)
   */
  readonly imageName?: string;
  /** Size of each instance's data volume. @default '10Gi' */
  readonly storageSize?: string;
  /** StorageClass of the data volumes. @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /** Resources of each instance. @default - none set */
  readonly resources?: PostgresResources;
  /** Application database created by initdb. @default 'app' */
  readonly database?: string;
  /** Owner of the application database. @default 'app' */
  readonly owner?: string;
  /** Extra `postgresql.parameters`; `hot_standby` is refused (CNPG manages it). @default - the WAL settings only */
  readonly parameters?: Record<string, string>;
  /** Carry replication over a ClusterMesh global Service `<name>-mesh`. @default true */
  readonly meshEnabled?: boolean;
  /** Backend preference of the mesh Service. @default MeshAffinity.LOCAL */
  readonly meshAffinity?: MeshAffinity;
  /** Host the replica streams from when the mesh is disabled (required then). @default - `<name>-mesh` */
  readonly externalHost?: string;
  /** Promote the hot standby (§8). With the replica-cluster topology this is one-way. @default false */
  readonly promoted?: boolean;
  /** Topology of the pair. @default PairTopology.REPLICA_CLUSTER */
  readonly topology?: PairTopology;
  /** With `distributed` and `promoted`: the old primary's `.status.demotionToken`. @default - none */
  readonly promotionToken?: string;
  /** Create the `postgres` superuser Secret. @default false */
  readonly enableSuperuserAccess?: boolean;
  /**
   * Who may reach the instances: each Cluster gets a `DatabaseNetworkPolicy` admitting these clients, the CNPG operator,
   * its own instances and the pair's other Cluster.
   * @default - clients from the Cluster's namespace only, the operator in cnpg-system, Prometheus in `monitoring` on 9187 when the PodMonitor is on
   */
  readonly networkPolicy?: DatabaseNetworkPolicyOptions;
  /**
   * The primary region's object store (a Sovereign's `RegionChart.region.objectStore`): the primary Cluster archives WAL
   * and takes base backups there, and the replica reads that archive when streaming falls behind.
   * @default - none: the primary is not backed up and the replica streams only
   */
  readonly primaryObjectStore?: S3ObjectStore;
  /**
   * The replica region's object store: the replica archives there once it is the primary, and its credentials Secret
   * (in the replica region) reads the primary's archive — so they must be allowed to read the primary's bucket folder.
   * @default - none: the replica streams only and is not backed up after a promotion
   */
  readonly replicaObjectStore?: S3ObjectStore;
  /** Base backup schedule of the Cluster that archives: SIX cron fields, seconds first (CNPG's format). @default '0 0 0 * * *' (daily at midnight) */
  readonly backupSchedule?: string;
  /** A PodMonitor per Cluster. @default - rendered, labelled `release: kube-prometheus-stack` */
  readonly podMonitor?: DatabasePodMonitorOptions;
  /** WAL archive, base backup and replica lag alerts, a PrometheusRule per Cluster. @default - rendered, labelled `release: kube-prometheus-stack` */
  readonly alerts?: DatabaseAlertsOptions;
  /** Render a NEW Cluster restored from one of the pair's archives (a point in time or a base backup). @default - none */
  readonly restore?: CnpgPairRestoreOptions;
}

const PG_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const POSTGRES_PORT = 5432;
const DEFAULT_POSTGRES_MAJOR = 16;

/**
 * A CloudNativePG PostgreSQL primary and, when a replica region is given, its hot standby in another region
 * cluster, streaming over a Cilium ClusterMesh global Service. Without a replica region it renders one Cluster.
 * Every Cluster gets a `DatabaseNetworkPolicy`, so the global Service does not open PostgreSQL to the whole mesh.
 *
 * Durability (with object stores): exactly one Cluster of the pair archives WAL and takes base backups through the
 * Barman Cloud plugin — the primary, or the replica once a promotion has been confirmed — into its own region's
 * store, under its own name as the Barman server name (`s3://<bucket>/<path>/<namespace>/<cluster>/`). The replica
 * reads the primary's archive besides streaming (CNPG's hybrid replica source), so a mesh outage longer than the
 * primary's `wal_keep_size` does not force a re-clone.
 */
export class CnpgHotStandbyPair extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** True when a replica Cluster is rendered. */
  public readonly active: boolean;
  public readonly topology: PairTopology;
  public readonly promoted: boolean;
  public readonly primaryClusterName: string;
  /** Region of the primary Cluster. */
  public readonly primaryRegionName: string;
  /** Region of the hot standby; undefined in the single-Cluster shape. */
  public readonly replicaRegionName?: string;
  /** Name of the replica Cluster; undefined in the single-Cluster shape. */
  public readonly replicaClusterName?: string;
  /** Secrets that must reach the other region for replication (rendered by the secrets layer). */
  public readonly tlsHandovers: readonly CnpgTlsHandover[];
  /** The PostgreSQL image both Clusters run. */
  public readonly imageName: string;
  /** The Cluster that takes writes as rendered: the primary, or the replica after a confirmed promotion (distributed: once the token is given). */
  public readonly writerClusterName: string;
  /** The one Cluster that archives WAL and takes base backups; undefined when the writer's region has no object store. */
  public readonly walArchiverClusterName?: string;
  /** Region of the WAL archiver; undefined without one. */
  public readonly walArchiveRegionName?: string;
  /** Where the archiver writes: `s3://<bucket>/<path>/<namespace>/` (Barman appends the Cluster name). */
  public readonly walArchiveDestination?: string;
  /** Base backup schedule of the archiver (six fields, seconds first). */
  public readonly backupSchedule: string;
  /** The restore Cluster, when `restore` is set. */
  public readonly recoveryCluster?: CnpgRecoveryCluster;

  private readonly props: CnpgHotStandbyPairProps;
  private readonly policies: DatabaseNetworkPolicy[] = [];
  private readonly networkPolicyOptions: DatabaseNetworkPolicyOptions;

  constructor(scope: Construct, id: string, props: CnpgHotStandbyPairProps) {
    super(scope, id);
    validate(props);
    this.props = props;
    this.name = props.name;
    this.namespace = props.namespace;
    this.active = props.replicaRegion !== undefined;
    this.topology = props.topology ?? PairTopology.REPLICA_CLUSTER;
    this.promoted = props.promoted ?? false;
    this.primaryClusterName = props.name;
    this.replicaClusterName = this.active ? replicaClusterName(props.name) : undefined;
    this.primaryRegionName = RegionContext.of(props.primaryRegion).region;
    this.replicaRegionName = props.replicaRegion === undefined ? undefined : RegionContext.of(props.replicaRegion).region;
    this.imageName = props.imageName ?? defaultPostgresImage(props.postgresMajor ?? DEFAULT_POSTGRES_MAJOR)!;
    this.backupSchedule = props.backupSchedule ?? DEFAULT_BACKUP_SCHEDULE;
    this.networkPolicyOptions = scrapeableNetworkPolicy(props.networkPolicy, props.podMonitor);

    // Exactly one writer, and so at most one WAL archiver: a second Cluster archiving the same database would fork the
    // archive's history. The replica takes over only once the promotion is confirmed (distributed: with the token).
    const distributed = this.topology === PairTopology.DISTRIBUTED;
    const standbyWrites = standbyTakesOver({ hasStandby: this.active, promoted: this.promoted, distributed, promotionToken: props.promotionToken });
    this.writerClusterName = standbyWrites ? this.replicaClusterName! : this.primaryClusterName;
    const writerStore = this.objectStoreOf(this.writerClusterName);
    if (writerStore !== undefined) {
      this.walArchiverClusterName = this.writerClusterName;
      this.walArchiveRegionName = this.writerClusterName === this.primaryClusterName ? this.primaryRegionName : this.replicaRegionName;
      this.walArchiveDestination = `s3://${writerStore.bucket}/${writerStore.path}/${props.namespace}/`;
    }

    const primary = props.primaryRegion;
    if (regionOf(this, props) !== primary) {
      throw new Error(`CnpgHotStandbyPair ${props.namespace}/${props.name} must be created inside its primaryRegion chart (${this.primaryRegionName})`);
    }
    RegionContext.of(primary).ensureNamespace(primary, props.namespace);
    if (!this.active) {
      this.objectStores(this, this.primaryClusterName, []);
      const cluster = this.cluster(this, this.primaryClusterName, 'primary', { bootstrap: this.initdb() });
      this.networkPolicy(this, cluster);
      this.durability(this, cluster, false);
      this.tlsHandovers = [];
      this.recoveryCluster = this.restore();
      return;
    }

    const replica = props.replicaRegion!;
    const replicaName = this.replicaClusterName!;
    const mesh = props.meshEnabled ?? true;
    RegionContext.of(primary).ensureNamespace(primary, props.namespace, { clusterMeshGlobal: mesh });
    RegionContext.of(replica).ensureNamespace(replica, props.namespace, { clusterMeshGlobal: mesh });
    const replicaSide = new Construct(replica, `${props.namespace}-${props.name}`);

    if (distributed) {
      // Promotion is two-step so no write is lost: first only the old primary is told to demote; the standby takes
      // over once it is given the old primary's demotion token (proof it has replayed up to the demotion point).
      const members = [this.primaryClusterName, replicaName];
      this.objectStores(this, this.primaryClusterName, members);
      this.objectStores(replicaSide, replicaName, members);
      const primaryCluster = this.cluster(this, this.primaryClusterName, this.promoted ? 'replica' : 'primary', {
        bootstrap: this.initdb(),
        replica: { primary: this.promoted ? replicaName : this.primaryClusterName, source: replicaName, self: this.primaryClusterName },
        externalClusters: members.map((member) => this.externalCluster(member, mesh, this.primaryClusterName)),
        ...(mesh ? { managed: this.meshService(this.primaryClusterName) } : {}),
      });
      const replicaCluster = this.cluster(replicaSide, replicaName, standbyWrites ? 'primary' : 'replica', {
        bootstrap: this.basebackup(),
        replica: {
          primary: standbyWrites ? replicaName : this.primaryClusterName,
          source: this.primaryClusterName,
          self: replicaName,
          ...(standbyWrites ? { promotionToken: props.promotionToken } : {}),
        },
        externalClusters: members.map((member) => this.externalCluster(member, mesh, replicaName)),
        ...(mesh ? { managed: this.meshService(replicaName) } : {}),
      });
      if (mesh) {
        this.stub(replicaSide, meshServiceName(this.primaryClusterName));
        this.stub(this, meshServiceName(replicaName));
      }
      this.networkPolicy(this, primaryCluster, replicaCluster);
      this.networkPolicy(replicaSide, replicaCluster, primaryCluster);
      // Each follows the other while it is not the designated primary (`replica.primary` names the other).
      this.durability(this, primaryCluster, this.promoted);
      this.durability(replicaSide, replicaCluster, !standbyWrites);
      this.tlsHandovers = [this.handover(primary, replica, this.primaryClusterName), this.handover(replica, primary, replicaName)];
      this.recoveryCluster = this.restore(replicaSide);
      return;
    }

    this.objectStores(this, this.primaryClusterName, []);
    this.objectStores(replicaSide, replicaName, [this.primaryClusterName]);
    const primaryCluster = this.cluster(this, this.primaryClusterName, 'primary', {
      bootstrap: this.initdb(),
      ...(mesh ? { managed: this.meshService(this.primaryClusterName) } : {}),
    });
    // Hybrid source: pg_basebackup clones over the mesh (a new pair has no base backup yet to bootstrap `recovery` from), then
    // the designated primary streams and falls back to the primary's archive whenever streaming cannot serve it
    // (restore_command via the plugin: plugin-barman-cloud internal/cnpgi/common/wal.go resolveRestoreObjectStore, v0.14.0).
    const replicaCluster = this.cluster(replicaSide, replicaName, this.promoted ? 'primary' : 'replica', {
      bootstrap: this.basebackup(),
      replica: { enabled: !this.promoted, source: this.primaryClusterName },
      externalClusters: [this.externalCluster(this.primaryClusterName, mesh, replicaName)],
    });
    if (mesh) {
      this.stub(replicaSide, meshServiceName(this.primaryClusterName));
    }
    // Each side admits the other: the replica streams from the primary, and after a promotion the roles turn.
    this.networkPolicy(this, primaryCluster, replicaCluster);
    this.networkPolicy(replicaSide, replicaCluster, primaryCluster);
    this.durability(this, primaryCluster, false);
    this.durability(replicaSide, replicaCluster, !this.promoted);
    this.tlsHandovers = [this.handover(primary, replica, this.primaryClusterName)];
    this.recoveryCluster = this.restore(replicaSide);
  }

  /** The ingress policy of each rendered Cluster, the primary's first (and the restore Cluster's last). */
  public get networkPolicies(): readonly DatabaseNetworkPolicy[] {
    return [...this.policies, ...(this.recoveryCluster !== undefined ? [this.recoveryCluster.networkPolicy] : [])];
  }

  // The object store of the region a Cluster of the pair runs in.
  private objectStoreOf(clusterName: string): S3ObjectStore | undefined {
    return clusterName === this.primaryClusterName ? this.props.primaryObjectStore : this.props.replicaObjectStore;
  }

  // Whether `reader` can read `clusterName`'s archive: that archive exists, and the reader's region has credentials.
  private readable(clusterName: string, reader: string): boolean {
    return this.objectStoreOf(clusterName) !== undefined && this.objectStoreOf(reader) !== undefined;
  }

  // `<X>-store` for the Cluster's own archive and for every archive it reads, in its own region and namespace: the
  // plugin looks ObjectStores up in the Cluster's namespace (plugin-barman-cloud internal/cnpgi/operator/config/config.go,
  // v0.14.0). A copy that reads another region's bucket carries this region's credentials Secret; only the own store
  // carries a retention policy, which only its archiver enforces.
  private objectStores(scope: Construct, self: string, reads: readonly string[]): void {
    const credentials = this.objectStoreOf(self)?.credentials;
    for (const clusterName of [self, ...reads.filter((r) => r !== self)]) {
      if (!this.readable(clusterName, self)) continue;
      const location = this.objectStoreOf(clusterName)!;
      const own = clusterName === self;
      new BarmanObjectStore(scope, clusterName === this.primaryClusterName ? 'PrimaryStore' : 'ReplicaStore', {
        name: objectStoreName(clusterName),
        namespace: this.namespace,
        location,
        credentials,
        ...(own && location.retention?.databases !== undefined ? { retentionPolicy: location.retention.databases } : {}),
        labels: this.labels(scope),
      });
    }
  }

  private cluster(scope: Construct, name: string, role: 'primary' | 'replica', extra: Partial<ClusterSpec>): Cluster {
    const props = this.props;
    const region = RegionContext.of(regionOf(scope, props));
    const facts = { [`${LABEL_PREFIX}/role`]: role, [`${LABEL_PREFIX}/pair`]: props.name };
    const archives = name === this.walArchiverClusterName;
    return new Cluster(scope, name === this.primaryClusterName ? 'Primary' : 'Replica', {
      metadata: {
        name,
        namespace: props.namespace,
        labels: { ...region.commonLabels, ...facts },
        annotations: { ...facts, [`${LABEL_PREFIX}/region`]: region.region },
      },
      spec: {
        ...baseClusterSpec(region, { ...props, imageName: this.imageName }),
        // The one WAL archiver (at most one per Cluster: internal/webhook/v1/cluster_webhook.go validatePluginConfiguration,
        // v1.30.0); serverName is the Cluster's name, so each Cluster archives to its own folder.
        ...(archives ? { plugins: [{ ...barmanPlugin(objectStoreName(name), name), isWalArchiver: true }] } : {}),
        ...extra,
      },
    });
  }

  // The archiver's ScheduledBackup, and every Cluster's PodMonitor and durability alerts.
  private durability(scope: Construct, cluster: Cluster, follows: boolean): void {
    const props = this.props;
    const name = cluster.name;
    const id = name === this.primaryClusterName ? 'Primary' : 'Replica';
    const archives = name === this.walArchiverClusterName;
    if (archives) {
      new ScheduledBackup(scope, `${id}Backup`, {
        metadata: { name: scheduledBackupName(name), namespace: this.namespace, labels: this.labels(scope) },
        spec: {
          cluster: { name },
          // The plugin takes the backup into the Cluster's own barmanObjectName (cloudnative-pg docs/src/backup.md v1.30.0; plugin-barman-cloud hack/examples/backup-example.yaml v0.14.0).
          method: ScheduledBackupSpecMethod.PLUGIN,
          pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
          schedule: this.backupSchedule,
          // A Cluster that has just become the archiver has no base backup of its own yet (spec.immediate, api/v1/scheduledbackup_types.go v1.30.0).
          immediate: true,
          // Backup objects go with the ScheduledBackup that made them ("self", api/v1/scheduledbackup_types.go v1.30.0); their data in the bucket stays until retention removes it.
          backupOwnerReference: ScheduledBackupSpecBackupOwnerReference.SELF,
        },
      });
    }
    // A Cluster that does not follow another accepts writes; one that follows is a replica Cluster whose lag matters
    // only while there is a writer to follow.
    new CnpgClusterMonitoring(scope, `${id}Monitoring`, {
      cluster,
      podMonitor: props.podMonitor,
      alerts: props.alerts,
      ...(archives ? { archive: { archiveTimeoutSeconds: archiveTimeoutSeconds(props.parameters), backupIntervalSeconds: backupIntervalSeconds(this.backupSchedule) } } : {}),
      replica: follows,
      labels: this.labels(scope),
    });
  }

  private restore(replicaSide?: Construct): CnpgRecoveryCluster | undefined {
    const options = this.props.restore;
    if (options === undefined) return undefined;
    const problems: string[] = [];
    const members = [this.primaryClusterName, ...(this.replicaClusterName !== undefined ? [this.replicaClusterName] : [])];
    const fromCluster = options.fromCluster ?? this.walArchiverClusterName;
    if (fromCluster === undefined) {
      problems.push(`restore.fromCluster: no Cluster of the pair archives (the writer ${this.writerClusterName}'s region has no object store); name one of ${members.join(', ')} whose region has one`);
    } else if (!members.includes(fromCluster)) {
      problems.push(`restore.fromCluster: "${fromCluster}" is not a Cluster of this pair; use one of ${members.join(', ')}`);
    } else if (this.objectStoreOf(fromCluster) === undefined) {
      problems.push(`restore.fromCluster: ${fromCluster}'s region has no object store, so it has no archive to restore`);
    }
    const regionScope = options.region ?? (fromCluster === this.replicaClusterName ? this.props.replicaRegion : this.props.primaryRegion);
    const isReplicaRegion = regionScope !== undefined && regionScope === this.props.replicaRegion;
    if (regionScope !== this.props.primaryRegion && !isReplicaRegion) {
      problems.push(`restore.region: must be the pair's primaryRegion (${this.primaryRegionName})${this.active ? ` or replicaRegion (${this.replicaRegionName})` : ''}`);
    }
    const readerStore = isReplicaRegion ? this.props.replicaObjectStore : this.props.primaryObjectStore;
    if (readerStore === undefined && problems.length === 0) {
      problems.push(`restore.region: ${isReplicaRegion ? this.replicaRegionName : this.primaryRegionName} has no object store, so there are no credentials to read the archive with; restore in a region with one`);
    }
    throwIfProblems(`CnpgHotStandbyPair ${this.namespace}/${this.name}`, problems);
    const source = this.objectStoreOf(fromCluster!)!;
    const props = this.props;
    return new CnpgRecoveryCluster(isReplicaRegion ? replicaSide! : this, 'Restore', {
      name: options.name ?? restoreClusterName(this.name),
      namespace: this.namespace,
      sourceClusterName: fromCluster!,
      sourceObjectStore: { ...source, path: options.fromPath ?? source.path },
      credentials: readerStore!.credentials,
      backupId: options.backupId,
      targetTime: options.targetTime,
      imageName: this.imageName,
      instances: props.instances,
      storageSize: props.storageSize,
      storageClass: props.storageClass,
      resources: props.resources,
      database: props.database,
      owner: props.owner,
      parameters: props.parameters,
      networkPolicy: this.networkPolicyOptions,
      podMonitor: props.podMonitor,
      labels: this.labels(isReplicaRegion ? replicaSide! : this),
    });
  }

  private labels(scope: Construct): Record<string, string> {
    return { ...RegionContext.of(regionOf(scope, this.props)).commonLabels, [`${LABEL_PREFIX}/pair`]: this.props.name };
  }

  // Ingress to a Cluster's instances: without it the global `<name>-mesh` Service opens PostgreSQL to every mesh cluster.
  private networkPolicy(scope: Construct, cluster: Cluster, peer?: Cluster): DatabaseNetworkPolicy {
    const policy = new DatabaseNetworkPolicy(scope, cluster.name === this.primaryClusterName ? 'PrimaryNetworkPolicy' : 'ReplicaNetworkPolicy', {
      ...this.networkPolicyOptions,
      cluster,
      peer,
      labels: this.labels(scope),
    });
    this.policies.push(policy);
    return policy;
  }

  private initdb(): ClusterSpec['bootstrap'] {
    return { initdb: { database: this.props.database ?? 'app', owner: this.props.owner ?? 'app' } };
  }

  // pg_basebackup is mandatory for a replica Cluster: without a bootstrap source it never starts.
  private basebackup(): ClusterSpec['bootstrap'] {
    return { pgBasebackup: { source: this.primaryClusterName, database: this.props.database ?? 'app', owner: this.props.owner ?? 'app' } };
  }

  // The replication source must be the primary, hence `rw`; CNPG owns the selector, so the template has none.
  private meshService(clusterName: string): ClusterSpec['managed'] {
    return {
      services: {
        additional: [
          {
            selectorType: ClusterSpecManagedServicesAdditionalSelectorType.RW,
            serviceTemplate: {
              metadata: { name: meshServiceName(clusterName), annotations: globalServiceAnnotations(this.props.meshAffinity ?? MeshAffinity.LOCAL) },
              spec: { type: 'ClusterIP', ports: [{ name: 'postgres', port: POSTGRES_PORT, protocol: 'TCP' }] },
            },
          },
        ],
      },
    };
  }

  // verify-full works against `<cluster>-mesh` because CNPG puts managed service names in its server certificate SANs.
  // With the archive readable from `reader`'s region, the entry names the plugin too: CNPG's hybrid replica source
  // (cloudnative-pg docs/src/replica_cluster.md v1.30.0, plugin-barman-cloud hack/examples/cluster-replica-streaming.yaml v0.14.0), used for WAL the designated
  // primary cannot stream (internal/cnpgi/common/wal.go resolveRestoreObjectStore, plugin v0.14.0).
  private externalCluster(clusterName: string, mesh: boolean, reader: string): NonNullable<ClusterSpec['externalClusters']>[number] {
    return {
      name: clusterName,
      connectionParameters: {
        host: mesh ? meshServiceName(clusterName) : this.props.externalHost!,
        port: String(POSTGRES_PORT),
        user: 'streaming_replica',
        dbname: 'postgres',
        sslmode: 'verify-full',
      },
      sslKey: { name: replicationSecretName(clusterName), key: 'tls.key' },
      sslCert: { name: replicationSecretName(clusterName), key: 'tls.crt' },
      sslRootCert: { name: caSecretName(clusterName), key: 'ca.crt' },
      ...(this.readable(clusterName, reader) ? { plugin: barmanPlugin(objectStoreName(clusterName), clusterName) } : {}),
    };
  }

  private stub(scope: Construct, name: string): void {
    new GlobalServiceStub(scope, `${name}-stub`, {
      name,
      namespace: this.props.namespace,
      ports: [{ name: 'postgres', port: POSTGRES_PORT }],
      labels: RegionContext.of(regionOf(scope, this.props)).commonLabels,
    });
  }

  private handover(from: Construct, to: Construct, clusterName: string): CnpgTlsHandover {
    return {
      from,
      to,
      namespace: this.namespace,
      clusterName,
      replicationSecret: replicationSecretName(clusterName),
      caSecret: caSecretName(clusterName),
      remoteKeyPrefix: `sovereign/${RegionContext.of(from).sovereign}/cnpg/${this.namespace}/${clusterName}`,
    };
  }
}

// The region scope (primaryRegion or replicaRegion) that holds `scope`.
function regionOf(scope: Construct, props: CnpgHotStandbyPairProps): Construct {
  for (let node: Construct | undefined = scope; node !== undefined; node = node.node.scope as Construct | undefined) {
    if (node === props.primaryRegion || node === props.replicaRegion) return node;
  }
  throw new Error(`${scope.node.path} is not inside the pair's region charts`);
}

function validate(props: CnpgHotStandbyPairProps): void {
  const problems: string[] = [];
  const nameProblem = pairNameProblem(props.name);
  if (nameProblem !== undefined) problems.push(`name: ${nameProblem}`);
  if (!DNS1123_LABEL.test(props.namespace) || props.namespace.length > 63) {
    problems.push(`namespace: "${props.namespace}" is not a DNS-1123 label`);
  }
  if (props.instances !== undefined && (!Number.isInteger(props.instances) || props.instances < 1)) {
    problems.push(`instances: must be a whole number of at least 1 (got ${props.instances})`);
  }
  if (props.storageSize !== undefined && !QUANTITY.test(props.storageSize)) {
    problems.push(`storageSize: "${props.storageSize}" is not a Kubernetes quantity such as "10Gi"`);
  }
  problems.push(...resourcesProblems('resources', props.resources));
  if (props.imageName !== undefined) {
    const image = IMAGE_REF.test(props.imageName) ? postgresImageProblem(props.imageName) : `"${props.imageName}" is not an image reference such as "${PINNED_POSTGRES_IMAGES[16]}"`;
    if (image !== undefined) problems.push(`imageName: ${image}`);
  }
  if (props.postgresMajor !== undefined && (!Number.isInteger(props.postgresMajor) || props.postgresMajor < 13)) {
    problems.push(`postgresMajor: must be a supported PostgreSQL major, 13 or newer (got ${props.postgresMajor})`);
  } else if (props.imageName === undefined && defaultPostgresImage(props.postgresMajor ?? DEFAULT_POSTGRES_MAJOR) === undefined) {
    problems.push(
      `postgresMajor: ${props.postgresMajor} has no pinned default image (CloudNativePG 1.30.0 tests ${Object.keys(PINNED_POSTGRES_IMAGES).join(', ')}); set imageName to a full version of it`,
    );
  }
  if (props.storageClass !== undefined && !DNS1123_SUBDOMAIN.test(props.storageClass)) {
    problems.push(`storageClass: "${props.storageClass}" is not a StorageClass name`);
  }
  for (const [field, value] of [['database', props.database], ['owner', props.owner]] as const) {
    if (value !== undefined && !PG_IDENTIFIER.test(value)) problems.push(`${field}: "${value}" is not a lowercase PostgreSQL identifier`);
  }
  if (props.parameters !== undefined && 'hot_standby' in props.parameters) {
    problems.push('parameters: hot_standby is managed by CloudNativePG, which rejects it; remove it');
  }
  if (props.meshAffinity !== undefined && !Object.values(MeshAffinity).includes(props.meshAffinity)) {
    problems.push(`meshAffinity: "${String(props.meshAffinity)}" is refused; use "local" or "remote" (Cilium 1.18.10–1.19 drops remote backends with "none")`);
  }
  if (props.replicaRegion !== undefined) {
    const primary = RegionContext.of(props.primaryRegion);
    const replica = RegionContext.of(props.replicaRegion);
    if (props.replicaRegion === props.primaryRegion || replica.region === primary.region) {
      problems.push(`replicaRegion: must differ from primaryRegion (${primary.region}); a hot standby needs two region clusters`);
    } else if (replica.sovereign !== primary.sovereign) {
      problems.push(`replicaRegion: must belong to the same Sovereign as primaryRegion (${primary.sovereign}, got ${replica.sovereign})`);
    }
    if ((props.meshEnabled ?? true) === false && (props.externalHost === undefined || props.externalHost === '')) {
      problems.push('externalHost: is required when meshEnabled is false; name the host the replica can reach the primary at');
    }
  }
  if (props.promotionToken !== undefined && (props.topology !== PairTopology.DISTRIBUTED || props.promoted !== true)) {
    problems.push('promotionToken: is only used by a promoted pair with topology "distributed"');
  }
  problems.push(...databaseNetworkPolicyProblems(props.networkPolicy ?? {}, 'networkPolicy.'));
  if (props.primaryObjectStore !== undefined) problems.push(...s3ObjectStoreProblems(props.primaryObjectStore, 'primaryObjectStore.'));
  if (props.replicaObjectStore !== undefined) {
    problems.push(...s3ObjectStoreProblems(props.replicaObjectStore, 'replicaObjectStore.'));
    if (props.replicaRegion === undefined) problems.push('replicaObjectStore: is the replica region\'s store; without a replicaRegion there is no replica to use it');
  }
  // The plugin hands the sidecar of a replica instance the environment of every ObjectStore it uses, its own and the
  // primary's, in one list (plugin-barman-cloud internal/cnpgi/operator/lifecycle_envs.go, v0.14.0): two regions of S3
  // would clash in AWS_DEFAULT_REGION.
  if (props.replicaRegion !== undefined && props.primaryObjectStore !== undefined && props.replicaObjectStore !== undefined && props.primaryObjectStore.s3Region !== props.replicaObjectStore.s3Region) {
    problems.push(
      `replicaObjectStore.s3Region: ${JSON.stringify(props.replicaObjectStore.s3Region)} differs from primaryObjectStore.s3Region ${JSON.stringify(props.primaryObjectStore.s3Region)}; the replica's Barman sidecar gets one AWS_DEFAULT_REGION for both stores, so set the same s3Region (or none) on both`,
    );
  }
  if (props.backupSchedule !== undefined) {
    const schedule = backupScheduleProblem(props.backupSchedule);
    if (schedule !== undefined) problems.push(`backupSchedule: ${schedule}`);
  }
  problems.push(...labelsProblems('podMonitor.labels', props.podMonitor?.labels), ...labelsProblems('alerts.ruleLabels', props.alerts?.ruleLabels));
  if (props.restore !== undefined) {
    const restoreName = props.restore.name ?? restoreClusterName(props.name);
    if (restoreName === props.name || restoreName === replicaClusterName(props.name)) {
      problems.push(`restore.name: "${restoreName}" is a Cluster of the pair; a restore is a new Cluster beside it, e.g. "${restoreClusterName(props.name)}"`);
    }
    if (props.restore.fromPath !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(props.restore.fromPath)) {
      problems.push(`restore.fromPath: "${props.restore.fromPath}" must be a folder path such as "omantel" (no leading or trailing "/")`);
    }
    const name = recoveryNameProblem(restoreName);
    if (name !== undefined) problems.push(`restore.name: ${name}`);
    problems.push(...recoveryTargetProblems(props.restore.backupId, props.restore.targetTime, 'restore.'));
  }
  throwIfProblems(`CnpgHotStandbyPair ${props.namespace}/${props.name}`, problems);
}
