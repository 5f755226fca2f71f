import { Construct } from 'constructs';
import { CnpgHotStandbyPair, type PairTopology } from '../cnpg/cnpg-hot-standby-pair';
import type { MeshAffinity } from '../mesh/cluster-mesh';
import { OpenBaoRegion } from '../openbao/openbao-region';
import { OpenBaoSnapshotBackup } from '../openbao/openbao-snapshot-backup';
import { PerfReplicationLink } from '../openbao/perf-replication-link';
import { raftPeerProblems, replicationGraphProblems } from '../openbao/replication-graph';
import { ReplicationMechanism } from '../openbao/replication-mechanism';
import { OpenBaoSeal } from '../openbao/seal';
import { BaoClusterSecretStore } from '../secrets/bao-cluster-secret-store';
import { CnpgTlsHandoverSecrets } from '../secrets/cnpg-tls-handover';
import { PrimaryPushSecret, type PushDeletionPolicy } from '../secrets/primary-push-secret';
import { handoverTenants, keyPrefixesOverlap, SecretAccess, type SecretTenant, tenantProblems, tenantStoreName, tenantSvidName, tenantWorkload } from '../secrets/tenancy';
import { throwIfProblems } from '../common/problems';
import { RegionContext } from '../common/region-context';
import { SvidIssuancePolicy } from '../secrets/svid-issuance-policy';
import { WorkloadIdentity } from '../secrets/workload-identity';
import { RegionChart, RegionRole } from './region-chart';
import type { SovereignConfig } from './sovereign-config';

/** Namespaces every region cluster holds, whatever else it runs. */
export const OPENBAO_NAMESPACE = 'openbao';
export const ESO_NAMESPACE = 'external-secrets-system';

export interface SovereignProps {
  /** The validated config, from `resolveSovereignConfig` or `loadSovereignConfig`. */
  readonly config: SovereignConfig;
}

/**
 * One Sovereign: a RegionChart per region cluster, composed from a single validated config.
 * Put it directly in an `App`; each region's chart synthesizes to that cluster's folder.
 */
export class Sovereign extends Construct {
  public readonly config: SovereignConfig;
  /** Region charts in config order. */
  public readonly regionCharts: readonly RegionChart[];
  /** One OpenBao cluster per region, in config order. */
  public readonly openBaoRegions: readonly OpenBaoRegion[];
  /** Replication from the primary into every other region. */
  public readonly replicationLinks: readonly PerfReplicationLink[];
  /** Scheduled snapshots of the primary to its region's object store; undefined when that region has none. */
  public readonly snapshotBackup?: OpenBaoSnapshotBackup;
  /** The configured PrimaryPushSecrets. */
  public readonly pushSecrets: readonly PrimaryPushSecret[];
  /** One pair (or single Cluster) per configured database. */
  public readonly databasePairs: readonly CnpgHotStandbyPair[];
  private readonly tenantList: SecretTenant[];

  constructor(scope: Construct, id: string, props: SovereignProps) {
    super(scope, id);
    this.config = props.config;
    this.regionCharts = props.config.regions.map((region) => new RegionChart(this, region.name, { sovereign: props.config, region }));

    // Database pairs first: their TLS hand-overs decide the system tenants every region's OpenBao must know.
    this.databasePairs = props.config.databases.map((database) => {
      const primary = this.regionChart(database.primaryRegion);
      const replica = database.replicaRegion === undefined ? undefined : this.regionChart(database.replicaRegion);
      return new CnpgHotStandbyPair(primary, `cnpg-${database.namespace}-${database.name}`, {
        name: database.name,
        namespace: database.namespace,
        primaryRegion: primary,
        replicaRegion: replica,
        instances: database.instances,
        postgresMajor: database.postgresMajor,
        imageName: database.imageName,
        storageSize: database.storage.size,
        storageClass: database.storage.storageClass,
        resources: database.resources,
        database: database.database,
        owner: database.owner,
        parameters: database.parameters,
        meshEnabled: database.mesh.enabled,
        meshAffinity: database.mesh.affinity as MeshAffinity,
        externalHost: database.mesh.externalHost,
        promoted: database.promoted,
        topology: database.topology as PairTopology,
        promotionToken: database.promotionToken,
        enableSuperuserAccess: database.enableSuperuserAccess,
        networkPolicy: database.networkPolicy,
        // Durability: each region's object store, the backup schedule, monitoring, and an optional restore.
        primaryObjectStore: primary.region.objectStore,
        replicaObjectStore: replica?.region.objectStore,
        backupSchedule: database.backup.schedule,
        podMonitor: database.podMonitor,
        alerts: database.alerts,
        restore: database.restore === undefined ? undefined : { ...database.restore, region: database.restore.region === undefined ? undefined : this.regionChart(database.restore.region) },
      });
    });
    const handovers = this.databasePairs.flatMap((pair) => pair.tlsHandovers);
    const systemTenants = handoverTenants(
      props.config.name,
      handovers.map((h) => ({ namespace: h.namespace, fromRegion: RegionContext.of(h.from).region, toRegion: RegionContext.of(h.to).region })),
    );
    const tenants = [...props.config.tenants, ...systemTenants];
    this.tenantList = [...tenants];

    const { openbao, identity } = props.config;
    this.openBaoRegions = this.regionCharts.map((chart) => {
      chart.ensureNamespace(ESO_NAMESPACE, { clusterMeshGlobal: true });
      const region = new OpenBaoRegion(chart, 'openbao', {
        namespace: OPENBAO_NAMESPACE,
        seal: OpenBaoSeal.staticKey(chart.region.seal.static),
        nativeReplication: openbao.replication.mechanism === 'nativePerformance',
        image: openbao.image,
        replicas: openbao.replicas,
        resources: openbao.resources,
        storageSize: openbao.storage.size,
        storageClass: openbao.storage.storageClass,
        tlsIssuer: openbao.tlsIssuer,
        ui: openbao.ui,
        trustBundle: openbao.trustBundle,
        auditStorage: openbao.auditStorage,
        serviceMonitor: openbao.serviceMonitor,
        metricsNamespace: openbao.metricsNamespace,
        breakGlass: openbao.breakGlass,
        tenants,
        issuancePolicy: identity.issuancePolicy.enabled ? { certManager: identity.issuancePolicy.certManager } : undefined,
      });
      // Every SVID bound in this region, now or later, gets an approval policy of exactly itself.
      if (identity.issuancePolicy.enabled) new SvidIssuancePolicy(chart, 'svid-issuance', { certManager: identity.issuancePolicy.certManager, labels: chart.commonLabels });
      return region;
    });
    for (const tenant of tenants) this.renderTenantStores(tenant);

    // Replication: one link from the primary into every other region, checked as a whole graph first.
    const mechanism =
      openbao.replication.mechanism === 'raftSnapshot'
        ? ReplicationMechanism.raftSnapshot({ schedule: openbao.replication.schedule })
        : ReplicationMechanism.nativePerformance();
    const primaryRegion = this.openBaoRegions[this.regionCharts.indexOf(this.primaryChart)];
    const replicas = this.openBaoRegions.filter((r) => r !== primaryRegion);
    const regionName = (r: OpenBaoRegion) => RegionChart.of(r).region.name;
    const problems = [
      ...replicationGraphProblems(
        this.regionCharts.map((c) => c.region.name),
        this.openBaoRegions.filter((r) => r.role === RegionRole.PRIMARY).map(regionName),
        replicas.map((r) => ({ source: regionName(primaryRegion), target: regionName(r) })),
      ),
      ...this.openBaoRegions.flatMap((r) => raftPeerProblems(regionName(r), r.namespace, r.serverConfig)),
    ];
    if (problems.length > 0) {
      throw new Error(`Sovereign ${props.config.name} replication is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    }
    this.replicationLinks = replicas.map((target) => new PerfReplicationLink(target, 'replication', { source: primaryRegion, target, mechanism, alerts: openbao.replication.alerts }));
    // Off-cluster history of the primary: it follows `primaryRegion`, so a promotion moves it with the primary.
    const store = this.primaryChart.region.objectStore;
    if (store !== undefined) {
      this.snapshotBackup = new OpenBaoSnapshotBackup(primaryRegion, 'snapshot-backup', {
        openbao: primaryRegion,
        objectStore: store,
        retention: store.retention.openbao,
        schedule: openbao.backup.schedule,
        image: openbao.backup.image,
        prune: openbao.backup.prune,
        alerts: openbao.backup.alerts,
      });
    }

    this.pushSecrets = props.config.pushSecrets.map((push) => {
      const chart = this.regionChart(push.region ?? props.config.primaryRegion);
      chart.ensureNamespace(push.namespace);
      return new PrimaryPushSecret(chart, `push-${push.namespace}-${push.name}`, {
        tenant: this.tenantOfNamespace(push.namespace),
        name: push.name,
        namespace: push.namespace,
        secretName: push.secretName,
        data: push.data,
        refreshInterval: push.refreshInterval,
        deletionPolicy: push.deletionPolicy as PushDeletionPolicy,
        labels: chart.commonLabels,
      });
    });
    // The replication TLS material of every active pair travels through OpenBao (§8).
    for (const pair of this.databasePairs) this.addTlsHandovers(pair);
  }

  /** Every tenant of the Sovereign's secrets: the config's, one system tenant per database namespace with a hand-over, then added ones. */
  public get tenants(): readonly SecretTenant[] {
    return [...this.tenantList];
  }

  /**
   * Adds a tenant of the team's own (or a hand-over's system tenant, see `addTlsHandovers`): its cert roles in every
   * region's OpenBao, and its SVIDs and stores in its regions. Prefer declaring tenants in the config, where the
   * tenancy table and the config checks see them.
   */
  public addTenant(tenant: SecretTenant): void {
    const problems = [...tenantProblems(tenant, this.config.name)];
    const regionNames = this.regionCharts.map((c) => c.region.name);
    for (const region of [...tenant.readRegions, ...tenant.pushRegions]) {
      if (!regionNames.includes(region)) problems.push(`regions: ${region} is not a region of this Sovereign (${regionNames.join(', ')})`);
    }
    for (const other of this.tenantList) {
      if (other.name === tenant.name) problems.push(`name: tenant ${tenant.name} exists already`);
      else if (keyPrefixesOverlap(other.keyPrefix, tenant.keyPrefix)) problems.push(`keyPrefix: "${tenant.keyPrefix}" overlaps tenant ${other.name}'s "${other.keyPrefix}"`);
      else if (!tenant.system && !other.system) {
        const shared = tenant.namespaces.filter((n) => other.namespaces.includes(n));
        if (shared.length > 0) problems.push(`namespaces: ${shared.join(', ')} already belong to tenant ${other.name}`);
      }
    }
    throwIfProblems(`Sovereign ${this.config.name} tenant ${String(tenant?.name)}`, problems);
    this.tenantList.push(tenant);
    for (const region of this.openBaoRegions) region.addTenant(tenant);
    this.renderTenantStores(tenant);
  }

  /**
   * Carries the replication TLS material of a pair composed by hand through OpenBao, as the Sovereign does for the
   * pairs of its config: adds the system tenant of the pair's namespace when it has none yet.
   */
  public addTlsHandovers(pair: CnpgHotStandbyPair): void {
    const placements = pair.tlsHandovers.map((h) => ({ namespace: h.namespace, fromRegion: RegionContext.of(h.from).region, toRegion: RegionContext.of(h.to).region }));
    const [wanted] = handoverTenants(this.config.name, placements);
    if (wanted === undefined) return;
    const existing = this.tenantList.find((t) => t.name === wanted.name);
    const tenant = existing ?? wanted;
    if (existing === undefined) {
      this.addTenant(wanted);
    } else if (!wanted.readRegions.every((r) => existing.readRegions.includes(r)) || !wanted.pushRegions.every((r) => existing.pushRegions.includes(r))) {
      throw new Error(`Sovereign ${this.config.name}: the hand-over tenant ${wanted.name} already exists with other regions; put pair ${pair.namespace}/${pair.name} in the config's databases instead`);
    }
    pair.tlsHandovers.forEach((handover, index) => new CnpgTlsHandoverSecrets(pair, `tls-handover-${index}`, { handover, tenant }));
  }

  /** The declared (not system) tenant a namespace belongs to; throws for a namespace no tenant lists. */
  public tenantOfNamespace(namespace: string): SecretTenant {
    const tenant = this.tenants.find((t) => !t.system && t.namespaces.includes(namespace));
    if (tenant === undefined) throw new Error(`namespace ${namespace} belongs to no tenant of Sovereign ${this.config.name}; add it to a tenant's namespaces in the config`);
    return tenant;
  }

  // ESO: per tenant, access and region, its own SVID and a store only the tenant's namespaces may use (§7, tenancy):
  // reads from the local OpenBao, writes to the primary.
  private renderTenantStores(tenant: SecretTenant): void {
    const { identity } = this.config;
    const esoIdentity = WorkloadIdentity.spiffeCertificate();
    this.regionCharts.forEach((chart, index) => {
      for (const access of [SecretAccess.READ, SecretAccess.PUSH]) {
        if (!(access === SecretAccess.READ ? tenant.readRegions : tenant.pushRegions).includes(chart.region.name)) continue;
        const credentials = esoIdentity.bind(chart, `eso-identity-${tenant.name}-${access}`, {
          workload: tenantWorkload(tenant, access, chart.region.name),
          secretName: tenantSvidName(tenant, access),
          trustDomain: identity.trustDomain,
          issuer: identity.issuer,
          labels: chart.commonLabels,
        });
        new BaoClusterSecretStore(chart, tenantStoreName(tenant, access), { tenant, access, openbao: this.openBaoRegions[index], credentials, labels: chart.commonLabels });
      }
    });
  }

  /** The chart of a region; throws for a name that is not a region of this Sovereign. */
  public regionChart(name: string): RegionChart {
    const chart = this.regionCharts.find((c) => c.region.name === name);
    if (chart === undefined) {
      throw new Error(`"${name}" is not a region of Sovereign ${this.config.name}; regions: ${this.config.regions.map((r) => r.name).join(', ')}`);
    }
    return chart;
  }

  /** Non-fatal findings of the config and the constructs, for the synth summary. */
  public get warnings(): readonly string[] {
    return [...this.config.warnings, ...this.openBaoRegions.flatMap((r) => r.warnings)];
  }

  /** The chart of the OpenBao write primary. */
  public get primaryChart(): RegionChart {
    return this.regionChart(this.config.primaryRegion);
  }
}
