/** @module sovereign-cdk8s */
// Public API: curated exports only; internal helpers stay private to their folders.
export { SovereignConfigError, formatIssue } from './sovereign/config-error';
export type { ConfigIssue } from './sovereign/config-error';
export type {
  SovereignConfigInput,
  SovereignConfigData,
  RegionConfig,
  RegionInput,
  DatabaseConfig,
  DatabaseInput,
  DatabaseNetworkPolicyConfig,
  DatabaseNetworkPolicyInput,
  DatabaseRestoreConfig,
  PushSecretConfig,
  OpenBaoConfig,
  OpenBaoInput,
  OpenBaoBackupConfig,
  IdentityConfig,
  IssuerRefInput,
  StaticSealConfig,
  StaticSealInput,
  StorageConfig,
  TofuConfig,
  TofuBackendConfig,
  WithDefaults,
} from './sovereign/config-types';
export { configJsonSchema, CONFIG_SCHEMA_FILE } from './sovereign/config-json-schema';
export { HOT_STANDBY_ENV, parseToggle } from './sovereign/hot-standby';
export type { HotStandbyResolution } from './sovereign/hot-standby';
export { resolveSovereignConfig, loadSovereignConfig } from './sovereign/sovereign-config';
export type { SovereignConfig, SovereignRegion, SovereignDatabase, ResolveOptions } from './sovereign/sovereign-config';
export { Sovereign, OPENBAO_NAMESPACE, ESO_NAMESPACE } from './sovereign/sovereign';
export type { SovereignProps } from './sovereign/sovereign';
export { RegionChart } from './sovereign/region-chart';
export type { RegionChartProps } from './sovereign/region-chart';
export { RegionContext, RegionRole } from './common/region-context';
export type { RegionContextProps, IssuerRef } from './common/region-context';
export { SovereignApp } from './sovereign/sovereign-app';
export type { SovereignAppProps } from './sovereign/sovereign-app';
export { SovereignValidation } from './validate/cdk8s-validation';
export type { SovereignValidationProps, Cdk8sValidationContext } from './validate/cdk8s-validation';
export { synthesizeSovereign } from './sovereign/synthesize';
export type { KubeObject, RegionOutput, SovereignOutput, ReplicationSummary, DatabaseSummary } from './sovereign/synthesize';
export { synthSovereignToFolder, formatSummary } from './sovereign/synth-to-folder';
export { regionFileEntries, renderRegionFiles } from './output/region-files';
export { writeFolderAtomically } from './output/atomic-write';
export type { WriteFolderOptions } from './output/atomic-write';

// OpenBao
export { OpenBaoRegion, SERVER_LABELS } from './openbao/openbao-region';
export type { OpenBaoRegionProps, IOpenBaoRegion } from './openbao/openbao-region';
export type { ContainerResources } from './common/kube-values';
export { OpenBaoSeal } from './openbao/seal';
export type { SealBinding, StaticSealProps } from './openbao/seal';
export { PerfReplicationLink } from './openbao/perf-replication-link';
export type { PerfReplicationLinkProps } from './openbao/perf-replication-link';
export { OpenBaoSnapshotBackup, SNAPSHOT_BACKUP_CRONJOB } from './openbao/openbao-snapshot-backup';
export type { OpenBaoSnapshotBackupProps, SnapshotObjectStore, SnapshotBackupAlertsProps } from './openbao/openbao-snapshot-backup';
export { ReplicationMechanism, ReplicationMechanismKind, RaftSnapshotMechanism, NativePerformanceMechanism } from './openbao/replication-mechanism';
export type { RaftSnapshotProps } from './openbao/replication-mechanism';
export { replicationGraphProblems, raftPeerProblems } from './openbao/replication-graph';
export type { LinkDeclaration } from './openbao/replication-graph';
export { renderServerConfig } from './openbao/server-config';
export type { ServerConfig, InitBlock, InitRequest, FileSource, RetryJoin } from './openbao/server-config';
export type { AclPolicy, Capability } from './openbao/acl-policy';

// Secrets
export { BaoClusterSecretStore, KEY_PREFIX_ANNOTATION } from './secrets/bao-cluster-secret-store';
export type { BaoClusterSecretStoreProps } from './secrets/bao-cluster-secret-store';
export { PrimaryPushSecret, PushDeletionPolicy } from './secrets/primary-push-secret';
export type { PrimaryPushSecretProps, PushSecretEntry } from './secrets/primary-push-secret';
export { LocalExternalSecret } from './secrets/local-external-secret';
export type { LocalExternalSecretProps, LocalExternalSecretEntry } from './secrets/local-external-secret';
export { CnpgTlsHandoverSecrets } from './secrets/cnpg-tls-handover';
export type { CnpgTlsHandoverSecretsProps } from './secrets/cnpg-tls-handover';
export { SecretAccess, handoverTenants, tenancyMarkdown, tenancyRows, tenantStoreName, tenantRoleName } from './secrets/tenancy';
export type { SecretTenant, TenancyRow, HandoverPlacement } from './secrets/tenancy';
export { WorkloadIdentity } from './secrets/workload-identity';
export type { WorkloadCredentials, SpiffeCertificateProps, WorkloadIdentityBindOptions } from './secrets/workload-identity';
export { spiffeId, ESO_WORKLOAD, REPLICATOR_WORKLOAD } from './secrets/spiffe';
export type { WorkloadRef } from './secrets/spiffe';
export { SvidIssuancePolicy } from './secrets/svid-issuance-policy';
export type { SvidIssuancePolicyProps, IssuedIdentity } from './secrets/svid-issuance-policy';

// CloudNativePG and the mesh
export { CnpgHotStandbyPair, PairTopology } from './cnpg/cnpg-hot-standby-pair';
export type { CnpgHotStandbyPairProps, CnpgPairRestoreOptions, CnpgTlsHandover, PostgresResources } from './cnpg/cnpg-hot-standby-pair';
export { CnpgRecoveryCluster } from './cnpg/cnpg-recovery-cluster';
export type { CnpgRecoveryClusterProps } from './cnpg/cnpg-recovery-cluster';
export { BarmanObjectStore, destinationPath } from './cnpg/barman-object-store';
export type { BarmanObjectStoreProps, S3ObjectStore, S3CredentialsRef } from './cnpg/barman-object-store';
export { CnpgClusterMonitoring, DATABASE_ALERTS, REPLICA_LAG_ALERT_SECONDS } from './cnpg/database-monitoring';
export type { CnpgClusterMonitoringProps, DatabaseAlertsOptions, DatabasePodMonitorOptions } from './cnpg/database-monitoring';
export { PINNED_POSTGRES_IMAGES, defaultPostgresImage, postgresImageProblem } from './cnpg/postgres-image';
export { DEFAULT_BACKUP_SCHEDULE, backupScheduleProblem } from './cnpg/backup-schedule';
export { DatabaseNetworkPolicy, CNPG_OPERATOR_DEFAULTS } from './cnpg/database-network-policy';
export type { DatabaseNetworkPolicyProps, DatabaseNetworkPolicyOptions, CnpgOperatorRef } from './cnpg/database-network-policy';
export { PAIR_NAME_MAX, pairNameProblem } from './cnpg/naming';
export { MeshAffinity, globalServiceAnnotations, globalStubAnnotations } from './mesh/cluster-mesh';
export { GlobalServiceStub } from './mesh/global-service-stub';
export type { GlobalServiceStubProps, GlobalServiceStubPort } from './mesh/global-service-stub';

// DR promotion
export { checkPromotion, PromotionRefusedError, STATE_FILE } from './sovereign/promotion';
export type { SovereignState, PromotionCheck } from './sovereign/promotion';
export type { SynthToFolderOptions, SynthToFolderResult, PromotionReport } from './sovereign/synth-to-folder';
