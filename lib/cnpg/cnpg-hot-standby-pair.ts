import { Construct } from 'constructs';
import {
  Cluster,
  type ClusterSpec,
  ClusterSpecManagedServicesAdditionalSelectorType,
  ClusterSpecPrimaryUpdateMethod,
  ClusterSpecResourcesLimits,
  ClusterSpecResourcesRequests,
} from '../../imports/clusters-postgresql.cnpg.io';
import { type ContainerResources, DNS1123_LABEL, DNS1123_SUBDOMAIN, IMAGE_REF, QUANTITY, resourcesProblems } from '../common/kube-values';
import { globalServiceAnnotations, MeshAffinity } from '../mesh/cluster-mesh';
import { GlobalServiceStub } from '../mesh/global-service-stub';
import { LABEL_PREFIX } from '../common/labels';
import { RegionContext } from '../common/region-context';
import { DatabaseNetworkPolicy, type DatabaseNetworkPolicyOptions, databaseNetworkPolicyProblems } from './database-network-policy';
import { caSecretName, meshServiceName, pairNameProblem, replicaClusterName, replicationSecretName } from './naming';
import { throwIfProblems } from '../common/problems';

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
  /** PostgreSQL major version, used for the default image. @default 16 */
  readonly postgresMajor?: number;
  /** Full PostgreSQL image; pin a digest for repeatable deployments. @default `ghcr.io/cloudnative-pg/postgresql:<postgresMajor>` */
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
   * its own instances and the pair's other Cluster. @default - clients from the Cluster's namespace only, the operator in cnpg-system
   */
  readonly networkPolicy?: DatabaseNetworkPolicyOptions;
}

const PG_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
// WAL settings for streaming to a standby in another region; CNPG refuses `hot_standby` itself.
const STREAMING_PARAMETERS = { max_wal_senders: '10', max_replication_slots: '10', wal_level: 'logical' } as const;
const POSTGRES_PORT = 5432;

/**
 * A CloudNativePG PostgreSQL primary and, when a replica region is given, its hot standby in another region
 * cluster, streaming over a Cilium ClusterMesh global Service. Without a replica region it renders one Cluster.
 * Every Cluster gets a `DatabaseNetworkPolicy`, so the global Service does not open PostgreSQL to the whole mesh.
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

  private readonly props: CnpgHotStandbyPairProps;
  private readonly policies: DatabaseNetworkPolicy[] = [];

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

    const primary = props.primaryRegion;
    if (regionOf(this, props) !== primary) {
      throw new Error(`CnpgHotStandbyPair ${props.namespace}/${props.name} must be created inside its primaryRegion chart (${this.primaryRegionName})`);
    }
    RegionContext.of(primary).ensureNamespace(primary, props.namespace);
    if (!this.active) {
      this.networkPolicy(this, this.cluster(this, this.primaryClusterName, 'primary', { bootstrap: this.initdb() }));
      this.tlsHandovers = [];
      return;
    }

    const replica = props.replicaRegion!;
    const replicaName = this.replicaClusterName!;
    const mesh = props.meshEnabled ?? true;
    RegionContext.of(primary).ensureNamespace(primary, props.namespace, { clusterMeshGlobal: mesh });
    RegionContext.of(replica).ensureNamespace(replica, props.namespace, { clusterMeshGlobal: mesh });
    const replicaSide = new Construct(replica, `${props.namespace}-${props.name}`);

    if (this.topology === PairTopology.DISTRIBUTED) {
      // Promotion is two-step so no write is lost: first only the old primary is told to demote; the standby takes
      // over once it is given the old primary's demotion token (proof it has replayed up to the demotion point).
      const standbyTakesOver = this.promoted && props.promotionToken !== undefined;
      const externalClusters = [this.externalCluster(this.primaryClusterName, mesh), this.externalCluster(replicaName, mesh)];
      const primaryCluster = this.cluster(this, this.primaryClusterName, this.promoted ? 'replica' : 'primary', {
        bootstrap: this.initdb(),
        replica: { primary: this.promoted ? replicaName : this.primaryClusterName, source: replicaName, self: this.primaryClusterName },
        externalClusters,
        ...(mesh ? { managed: this.meshService(this.primaryClusterName) } : {}),
      });
      const replicaCluster = this.cluster(replicaSide, replicaName, standbyTakesOver ? 'primary' : 'replica', {
        bootstrap: this.basebackup(),
        replica: {
          primary: standbyTakesOver ? replicaName : this.primaryClusterName,
          source: this.primaryClusterName,
          self: replicaName,
          ...(standbyTakesOver ? { promotionToken: props.promotionToken } : {}),
        },
        externalClusters,
        ...(mesh ? { managed: this.meshService(replicaName) } : {}),
      });
      if (mesh) {
        this.stub(replicaSide, meshServiceName(this.primaryClusterName));
        this.stub(this, meshServiceName(replicaName));
      }
      this.networkPolicy(this, primaryCluster, replicaCluster);
      this.networkPolicy(replicaSide, replicaCluster, primaryCluster);
      this.tlsHandovers = [this.handover(primary, replica, this.primaryClusterName), this.handover(replica, primary, replicaName)];
      return;
    }

    const primaryCluster = this.cluster(this, this.primaryClusterName, 'primary', {
      bootstrap: this.initdb(),
      ...(mesh ? { managed: this.meshService(this.primaryClusterName) } : {}),
    });
    const replicaCluster = this.cluster(replicaSide, replicaName, this.promoted ? 'primary' : 'replica', {
      bootstrap: this.basebackup(),
      replica: { enabled: !this.promoted, source: this.primaryClusterName },
      externalClusters: [this.externalCluster(this.primaryClusterName, mesh)],
    });
    if (mesh) {
      this.stub(replicaSide, meshServiceName(this.primaryClusterName));
    }
    // Each side admits the other: the replica streams from the primary, and after a promotion the roles turn.
    this.networkPolicy(this, primaryCluster, replicaCluster);
    this.networkPolicy(replicaSide, replicaCluster, primaryCluster);
    this.tlsHandovers = [this.handover(primary, replica, this.primaryClusterName)];
  }

  /** The ingress policy of each rendered Cluster, the primary's first. */
  public get networkPolicies(): readonly DatabaseNetworkPolicy[] {
    return [...this.policies];
  }

  private cluster(scope: Construct, name: string, role: 'primary' | 'replica', extra: Partial<ClusterSpec>): Cluster {
    const props = this.props;
    const region = RegionContext.of(regionOf(scope, props));
    const facts = { [`${LABEL_PREFIX}/role`]: role, [`${LABEL_PREFIX}/pair`]: props.name };
    return new Cluster(scope, name === this.primaryClusterName ? 'Primary' : 'Replica', {
      metadata: {
        name,
        namespace: props.namespace,
        labels: { ...region.commonLabels, ...facts },
        annotations: { ...facts, [`${LABEL_PREFIX}/region`]: region.region },
      },
      spec: {
        instances: props.instances ?? 1,
        imageName: props.imageName ?? `ghcr.io/cloudnative-pg/postgresql:${props.postgresMajor ?? 16}`,
        primaryUpdateMethod: ClusterSpecPrimaryUpdateMethod.SWITCHOVER,
        enableSuperuserAccess: props.enableSuperuserAccess ?? false,
        storage: { size: props.storageSize ?? '10Gi', ...(props.storageClass !== undefined ? { storageClass: props.storageClass } : {}) },
        ...(props.resources !== undefined ? { resources: toResources(props.resources) } : {}),
        postgresql: { parameters: { ...STREAMING_PARAMETERS, ...props.parameters } },
        affinity: {
          podAntiAffinityType: 'required',
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: region.regionLabelKey, operator: 'In', values: [region.region] }] }],
            },
          },
        },
        ...extra,
      },
    });
  }

  // Ingress to a Cluster's instances: without it the global `<name>-mesh` Service opens PostgreSQL to every mesh cluster.
  private networkPolicy(scope: Construct, cluster: Cluster, peer?: Cluster): DatabaseNetworkPolicy {
    const policy = new DatabaseNetworkPolicy(scope, cluster.name === this.primaryClusterName ? 'PrimaryNetworkPolicy' : 'ReplicaNetworkPolicy', {
      ...this.props.networkPolicy,
      cluster,
      peer,
      labels: { ...RegionContext.of(regionOf(scope, this.props)).commonLabels, [`${LABEL_PREFIX}/pair`]: this.props.name },
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

  // verify-full works against `<cluster>-mesh` because CNPG puts managed service names in its server certificate.
  private externalCluster(clusterName: string, mesh: boolean): NonNullable<ClusterSpec['externalClusters']>[number] {
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

function toResources(resources: PostgresResources): ClusterSpec['resources'] {
  const map = <T>(values: Record<string, string | undefined> | undefined, make: (v: string) => T) =>
    values === undefined ? undefined : Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => [k, make(v!)]));
  return {
    requests: map(resources.requests, (v) => ClusterSpecResourcesRequests.fromString(v)),
    limits: map(resources.limits, (v) => ClusterSpecResourcesLimits.fromString(v)),
  };
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
  if (props.imageName !== undefined && !IMAGE_REF.test(props.imageName)) {
    problems.push(`imageName: "${props.imageName}" is not an image reference such as "ghcr.io/cloudnative-pg/postgresql:16.6"`);
  }
  if (props.postgresMajor !== undefined && (!Number.isInteger(props.postgresMajor) || props.postgresMajor < 13)) {
    problems.push(`postgresMajor: must be a supported PostgreSQL major, 13 or newer (got ${props.postgresMajor})`);
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
  throwIfProblems(`CnpgHotStandbyPair ${props.namespace}/${props.name}`, problems);
}
