import { Construct } from 'constructs';
import { CnpgHotStandbyPair, type PairTopology } from '../cnpg/cnpg-hot-standby-pair';
import type { MeshAffinity } from '../mesh/cluster-mesh';
import { OpenBaoRegion } from '../openbao/openbao-region';
import { PerfReplicationLink } from '../openbao/perf-replication-link';
import { raftPeerProblems, replicationGraphProblems } from '../openbao/replication-graph';
import { ReplicationMechanism } from '../openbao/replication-mechanism';
import { OpenBaoSeal } from '../openbao/seal';
import { BaoClusterSecretStore, BaoStoreName } from '../secrets/bao-cluster-secret-store';
import { CnpgTlsHandoverSecrets } from '../secrets/cnpg-tls-handover';
import { PrimaryPushSecret, type PushDeletionPolicy } from '../secrets/primary-push-secret';
import { ESO_WORKLOAD } from '../secrets/spiffe';
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
  /** The configured PrimaryPushSecrets. */
  public readonly pushSecrets: readonly PrimaryPushSecret[];
  /** One pair (or single Cluster) per configured database. */
  public readonly databasePairs: readonly CnpgHotStandbyPair[];

  constructor(scope: Construct, id: string, props: SovereignProps) {
    super(scope, id);
    this.config = props.config;
    this.regionCharts = props.config.regions.map((region) => new RegionChart(this, region.name, { sovereign: props.config, region }));

    const { openbao, identity } = props.config;
    const esoIdentity = WorkloadIdentity.spiffeCertificate();
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
      });
      // ESO: its SVID, one store for local reads and one for writes to the primary (§7).
      const credentials = esoIdentity.bind(chart, 'eso-identity', { workload: ESO_WORKLOAD, trustDomain: identity.trustDomain, issuer: identity.issuer, labels: chart.commonLabels });
      for (const name of [BaoStoreName.LOCAL, BaoStoreName.PRIMARY]) {
        new BaoClusterSecretStore(chart, name, { name, openbao: region, credentials, labels: chart.commonLabels });
      }
      return region;
    });

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

    this.pushSecrets = props.config.pushSecrets.map((push) => {
      const chart = this.regionChart(push.region ?? props.config.primaryRegion);
      chart.ensureNamespace(push.namespace);
      return new PrimaryPushSecret(chart, `push-${push.namespace}-${push.name}`, {
        name: push.name,
        namespace: push.namespace,
        secretName: push.secretName,
        data: push.data,
        refreshInterval: push.refreshInterval,
        deletionPolicy: push.deletionPolicy as PushDeletionPolicy,
        labels: chart.commonLabels,
      });
    });
    this.databasePairs = props.config.databases.map((database) => {
      const primary = this.regionChart(database.primaryRegion);
      return new CnpgHotStandbyPair(primary, `cnpg-${database.namespace}-${database.name}`, {
        name: database.name,
        namespace: database.namespace,
        primaryRegion: primary,
        replicaRegion: database.replicaRegion === undefined ? undefined : this.regionChart(database.replicaRegion),
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
      });
    });
    // The replication TLS material of every active pair travels through OpenBao (§8).
    for (const pair of this.databasePairs) {
      pair.tlsHandovers.forEach((handover, index) => new CnpgTlsHandoverSecrets(pair, `tls-handover-${index}`, { handover }));
    }
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
