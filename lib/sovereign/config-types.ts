// The config contract as the library's own interfaces, so no public type depends on zod (a consumer's `tsc` never has
// to read zod's declarations). `test/sovereign/config-types.test.ts` proves they equal what the zod schema accepts
// and produces, so the two cannot drift.
import type { ContainerResources } from '../common/kube-values';
import type { IssuerRef } from '../common/region-context';

/** Size and class of a volume. */
export interface StorageConfig {
  /** Kubernetes quantity, e.g. "10Gi". */
  readonly size: string;
  /** StorageClass name. @default - the cluster's default */
  readonly storageClass?: string;
}

/** OpenBao `seal "static"`: the key stays in a Secret the operator provides. */
export interface StaticSealConfig {
  /** Key version recorded in the seal, e.g. "2026-11-1". */
  readonly keyId: string;
  /** Secret (in the OpenBao namespace) holding the 32-byte key. */
  readonly secretName: string;
  /** Data key of the Secret. @default 'key' */
  readonly secretKey: string;
}

/** The `openbao` block with defaults applied. */
export interface OpenBaoConfig {
  readonly image: string;
  readonly replicas: number;
  readonly resources?: ContainerResources;
  readonly storage: StorageConfig;
  readonly auditStorage?: StorageConfig;
  readonly trustBundle: { readonly configMapName: string; readonly key: string };
  readonly serviceMonitor: boolean;
  readonly metricsNamespace: string;
  readonly seal: { readonly static: StaticSealConfig };
  readonly replication: {
    readonly mechanism: 'raftSnapshot' | 'nativePerformance';
    readonly schedule: string;
    /** The raftSnapshot link's PrometheusRule: rendered or not, and the labels the Prometheus `ruleSelector` matches. */
    readonly alerts: { readonly enabled: boolean; readonly ruleLabels: Readonly<Record<string, string>> };
  };
  /** Scheduled Raft snapshots of the primary region to its object store. */
  readonly backup: OpenBaoBackupConfig;
  readonly tlsIssuer: IssuerRef;
  readonly ui: boolean;
  /** The break-glass administrator's offline identity (a CN, or a SPIFFE ID) and the CA that issued it. */
  readonly breakGlass: { readonly commonName?: string; readonly spiffeId?: string; readonly caBundle: { readonly configMapName: string; readonly key: string } };
}

/** `openbao.backup` with defaults applied: snapshots of the primary region, rendered when that region has an objectStore. */
export interface OpenBaoBackupConfig {
  /** Five-field cron schedule of the snapshots (UTC). */
  readonly schedule: string;
  /** The rclone image that uploads and verifies them. */
  readonly image: string;
  /** Delete snapshots older than the region's `objectStore.retention.openbao` after each verified upload. */
  readonly prune: boolean;
  /** The backup's PrometheusRule: rendered or not, and the labels the Prometheus `ruleSelector` matches. */
  readonly alerts: { readonly enabled: boolean; readonly ruleLabels: Readonly<Record<string, string>> };
}

/** The `identity` block with defaults applied. */
export interface IdentityConfig {
  /** SPIFFE trust domain; the resolved config fills in the Sovereign domain. */
  readonly trustDomain?: string;
  readonly issuer: IssuerRef;
  /** approver-policy CertificateRequestPolicies for every SVID and OpenBao's listener certificate. */
  readonly issuancePolicy: IssuancePolicyConfig;
}

/** `identity.issuancePolicy` with defaults applied. */
export interface IssuancePolicyConfig {
  /** Render the policies (needs approver-policy, and cert-manager's default approver disabled). */
  readonly enabled: boolean;
  /** cert-manager's controller service account, the requester approver-policy checks. */
  readonly certManager: { readonly namespace: string; readonly serviceAccount: string };
}

/** The `networkPolicy` block of a database with defaults applied: who may reach its instances. */
export interface DatabaseNetworkPolicyConfig {
  /** Further namespaces (same region cluster) whose pods are PostgreSQL clients; the database's own namespace always is. */
  readonly clientNamespaces: readonly string[];
  /** Only pods with all these labels are clients. @default - every pod of the client namespaces */
  readonly clientPodLabels?: Readonly<Record<string, string>>;
  /** The CloudNativePG operator's namespace and pod labels. */
  readonly operator: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };
  /** Namespace of the Prometheus allowed to scrape 9187. @default - none, the port stays closed */
  readonly metricsNamespace?: string;
}

/** One entry of `databases[]` with defaults applied. */
export interface DatabaseConfig {
  readonly name: string;
  readonly namespace: string;
  readonly primaryRegion?: string;
  readonly replicaRegion?: string;
  readonly instances: number;
  readonly postgresMajor: number;
  readonly imageName?: string;
  readonly storage: StorageConfig;
  readonly resources?: ContainerResources;
  readonly database: string;
  readonly owner: string;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly mesh: { readonly enabled: boolean; readonly affinity: 'local' | 'remote'; readonly externalHost?: string };
  readonly promoted?: boolean;
  readonly topology: 'replicaCluster' | 'distributed';
  readonly promotionToken?: string;
  readonly enableSuperuserAccess: boolean;
  readonly networkPolicy: DatabaseNetworkPolicyConfig;
  /** Base backups of the Cluster that archives: a six-field (seconds first) cron schedule. */
  readonly backup: { readonly schedule: string };
  /** A NEW Cluster restored from one of the pair's archives. @default - none */
  readonly restore?: DatabaseRestoreConfig;
  /** The PodMonitor of each Cluster: rendered or not, and the labels the Prometheus `podMonitorSelector` matches. */
  readonly podMonitor: { readonly enabled: boolean; readonly labels: Readonly<Record<string, string>> };
  /** The durability PrometheusRule of each Cluster: rendered or not, and the labels the Prometheus `ruleSelector` matches. */
  readonly alerts: { readonly enabled: boolean; readonly ruleLabels: Readonly<Record<string, string>> };
}

/** `databases[].restore`: which archive to restore into a new Cluster, and to when. */
export interface DatabaseRestoreConfig {
  /** Name of the new Cluster. @default - `<name>-restore` */
  readonly name?: string;
  /** `<name>` or `<name>-replica`. @default - the Cluster that archives now */
  readonly fromCluster?: string;
  /** The archive's folder in that region's bucket. @default - the objectStore's path */
  readonly fromPath?: string;
  /** The pair's region the new Cluster runs in. @default - the region of `fromCluster` */
  readonly region?: string;
  /** One base backup (Barman backup ID); exclusive with `targetTime`. */
  readonly backupId?: string;
  /** RFC 3339 moment to recover to; exclusive with `backupId`. */
  readonly targetTime?: string;
}

/** One entry of `pushSecrets[]` with defaults applied. */
export interface PushSecretConfig {
  readonly name: string;
  readonly namespace: string;
  readonly region?: string;
  readonly deletionPolicy: 'None' | 'Delete';
  readonly secretName: string;
  readonly refreshInterval?: string;
  readonly data: readonly { readonly secretKey: string; readonly remoteKey: string; readonly property?: string }[];
}

/** One entry of `tenants[]` with defaults applied. */
export interface TenantConfig {
  /** Tenant name (a DNS-1123 label, at most 40 characters). */
  readonly name: string;
  /** Namespaces whose ExternalSecrets and PushSecrets may use the tenant's stores. */
  readonly namespaces: readonly string[];
  /** Folder under `sovereign/<sovereign>/` the tenant owns. @default - the tenant name */
  readonly keyPrefix?: string;
  /** Regions whose clusters get the tenant's stores. @default - every region */
  readonly regions?: readonly string[];
  /** Also render `bao-primary-<name>` (writes to the primary) in its regions. */
  readonly push: boolean;
}

/** Where an OpenTofu stack keeps its state. */
export type TofuBackendConfig =
  | { readonly type: 'local'; readonly path?: string }
  | { readonly type: 's3'; readonly bucket: string; readonly keyPrefix: string; readonly region: string; readonly endpoint?: string };

/** The `tofu` block with defaults applied. */
export interface TofuConfig {
  readonly backend: TofuBackendConfig;
  readonly regionNodes: Readonly<Record<string, readonly string[]>>;
  readonly knobNamespace: string;
}

/** A region's S3-compatible object store with defaults applied. */
export interface ObjectStoreConfig {
  /** `https://` endpoint. */
  readonly endpoint: string;
  readonly bucket: string;
  /** Folder in the bucket; defaults to the Sovereign name. */
  readonly path?: string;
  /** S3 region name, where the provider needs one. */
  readonly s3Region?: string;
  /** The Secret holding the credentials, by name and keys. */
  readonly credentials: { readonly secretName: string; readonly accessKeyIdKey: string; readonly secretAccessKeyKey: string };
  /** A Secret with the endpoint's CA. */
  readonly caBundle?: { readonly secretName: string; readonly key: string };
  /** How long backups are kept ("30d", "4w", "6m"). */
  readonly retention: { readonly databases: string; readonly openbao: string };
}

/** One entry of `regions[]`. */
export interface RegionConfig {
  readonly name: string;
  readonly clusterName?: string;
  readonly seal?: { readonly static: StaticSealConfig };
  readonly objectStore?: ObjectStoreConfig;
}

/** The config with every default applied, before cross-field resolution. */
export interface SovereignConfigData {
  readonly name: string;
  readonly domain: string;
  readonly regionLabelKey: string;
  readonly regions: readonly RegionConfig[];
  readonly primaryRegion?: string;
  readonly hotStandby: { readonly enabled: boolean; readonly primaryRegion?: string; readonly replicaRegion?: string; readonly strict: boolean; readonly promoted: boolean };
  readonly openbao: OpenBaoConfig;
  readonly identity: IdentityConfig;
  readonly databases: readonly DatabaseConfig[];
  readonly tenants: readonly TenantConfig[];
  readonly pushSecrets: readonly PushSecretConfig[];
  readonly tofu: TofuConfig;
}

/** Makes the listed keys optional: they have defaults. */
export type WithDefaults<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

/** The config file as users write it (the README's "Configuration" table): every defaulted key may be omitted. */
export interface SovereignConfigInput {
  readonly name: string;
  readonly domain: string;
  readonly regionLabelKey?: string;
  readonly regions: readonly RegionInput[];
  readonly primaryRegion?: string;
  readonly hotStandby?: Partial<SovereignConfigData['hotStandby']>;
  readonly openbao?: OpenBaoInput;
  readonly identity?: {
    readonly trustDomain?: string;
    readonly issuer?: IssuerRefInput;
    readonly issuancePolicy?: { readonly enabled?: boolean; readonly certManager?: IssuancePolicyConfig['certManager'] };
  };
  readonly databases?: readonly DatabaseInput[];
  readonly tenants?: readonly WithDefaults<TenantConfig, 'push'>[];
  readonly pushSecrets?: readonly WithDefaults<PushSecretConfig, 'deletionPolicy'>[];
  readonly tofu?: {
    readonly backend?: { readonly type: 'local'; readonly path?: string } | WithDefaults<Extract<TofuBackendConfig, { type: 's3' }>, 'keyPrefix'>;
    readonly regionNodes?: Readonly<Record<string, readonly string[]>>;
    readonly knobNamespace?: string;
  };
}

/** An issuer reference as written; `kind` defaults to ClusterIssuer. */
export type IssuerRefInput = WithDefaults<IssuerRef, 'kind'>;
/** A region as written. */
export type RegionInput = Omit<RegionConfig, 'seal' | 'objectStore'> & { readonly seal?: { readonly static: StaticSealInput }; readonly objectStore?: ObjectStoreInput };
/** An object store as written. */
export type ObjectStoreInput = Omit<ObjectStoreConfig, 'credentials' | 'caBundle' | 'retention'> & {
  readonly credentials: WithDefaults<ObjectStoreConfig['credentials'], 'accessKeyIdKey' | 'secretAccessKeyKey'>;
  readonly caBundle?: WithDefaults<NonNullable<ObjectStoreConfig['caBundle']>, 'key'>;
  readonly retention?: Partial<ObjectStoreConfig['retention']>;
};
/** A static seal as written; `secretKey` defaults to "key". */
export type StaticSealInput = WithDefaults<StaticSealConfig, 'secretKey'>;
/** The `openbao` block as written. */
export type OpenBaoInput = Partial<Omit<OpenBaoConfig, 'storage' | 'trustBundle' | 'seal' | 'replication' | 'backup' | 'tlsIssuer' | 'breakGlass'>> & {
  readonly breakGlass?: { readonly commonName?: string; readonly spiffeId?: string; readonly caBundle?: WithDefaults<OpenBaoConfig['breakGlass']['caBundle'], 'key'> };
  readonly storage?: Partial<StorageConfig>;
  readonly trustBundle?: WithDefaults<OpenBaoConfig['trustBundle'], 'key'>;
  readonly seal?: { readonly static: StaticSealInput };
  readonly replication?: Partial<Omit<OpenBaoConfig['replication'], 'alerts'>> & { readonly alerts?: Partial<OpenBaoConfig['replication']['alerts']> };
  readonly backup?: Partial<Omit<OpenBaoBackupConfig, 'alerts'>> & { readonly alerts?: Partial<OpenBaoBackupConfig['alerts']> };
  readonly tlsIssuer?: IssuerRefInput;
};
/** A database's `networkPolicy` as written: every key may be omitted. */
export type DatabaseNetworkPolicyInput = Partial<Omit<DatabaseNetworkPolicyConfig, 'operator'>> & {
  readonly operator?: Partial<DatabaseNetworkPolicyConfig['operator']>;
};
/** A database pair as written. */
export type DatabaseInput = WithDefaults<
  Omit<DatabaseConfig, 'storage' | 'mesh' | 'networkPolicy' | 'backup' | 'podMonitor' | 'alerts'>,
  'instances' | 'postgresMajor' | 'database' | 'owner' | 'topology' | 'enableSuperuserAccess'
> & {
  readonly storage?: Partial<StorageConfig>;
  readonly mesh?: Partial<DatabaseConfig['mesh']>;
  readonly networkPolicy?: DatabaseNetworkPolicyInput;
  readonly backup?: Partial<DatabaseConfig['backup']>;
  readonly podMonitor?: Partial<DatabaseConfig['podMonitor']>;
  readonly alerts?: Partial<DatabaseConfig['alerts']>;
};
