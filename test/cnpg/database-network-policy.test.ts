import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { Cluster } from '../../imports/clusters-postgresql.cnpg.io';
import { CnpgHotStandbyPair } from '../../lib/cnpg/cnpg-hot-standby-pair';
import { DatabaseNetworkPolicy, type DatabaseNetworkPolicyProps } from '../../lib/cnpg/database-network-policy';
import { RegionContext, RegionRole } from '../../lib/common/region-context';
import type { SovereignConfigInput } from '../../lib/sovereign/config-types';
import { Sovereign } from '../../lib/sovereign/sovereign';
import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { FSN, HEL, twoRegions } from '../helpers/configs';
import { expectValidManifests, expectValidSovereign } from '../helpers/manifests';

const MYDB = { name: 'mydb', namespace: 'tenant-a' };
const NS = 'k8s:io.kubernetes.pod.namespace';
const MESH = 'io.cilium.k8s.policy.cluster';

/** A chart of one region with a CNPG Cluster in it; `peers` makes the region part of a ClusterMesh. */
function regionChart(app: App, region: string, options: { clusterName?: string; peers?: string[]; primary?: string } = {}): Chart {
  const chart = new Chart(app, region);
  RegionContext.provide(chart, {
    sovereign: 'acme',
    region,
    trustDomain: 'acme.example',
    clusterName: options.clusterName,
    peerClusterNames: options.peers,
    ...(options.primary !== undefined ? { role: RegionRole.REPLICA, primaryRegion: options.primary } : {}),
  });
  return chart;
}
/** A CNPG Cluster; `namespace: null` leaves metadata.namespace out. */
const cnpgCluster = (chart: Chart, name: string, namespace: string | null = MYDB.namespace) =>
  new Cluster(chart, `cluster-${name}`, { metadata: { name, ...(namespace !== null ? { namespace } : {}) }, spec: { instances: 1, storage: { size: '1Gi' } } });

/** The CiliumNetworkPolicies of a synthesized Sovereign's database namespace, per region. */
function policies(config: SovereignConfigInput): Map<string, any[]> {
  const output = synthesizeSovereign(resolveSovereignConfig(config));
  expectValidSovereign(output);
  return new Map(output.regions.map((r) => [r.region, r.objects.filter((o) => o.kind === 'CiliumNetworkPolicy' && o.metadata.namespace !== 'openbao') as any[]]));
}
const paired = (database: Record<string, unknown> = {}) => policies(twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ ...MYDB, ...database } as any] }));
/** `[from-selector, ports]` of every ingress rule, for compact assertions. */
const rules = (policy: any) => policy.spec.ingress.map((r: any) => [r.fromEndpoints.map((e: any) => e.matchLabels), r.toPorts[0].ports.map((p: any) => `${p.port}/${p.protocol}`)]);

describe('DatabaseNetworkPolicy', () => {
  test('default output of one Cluster in a region without mesh peers (snapshot)', () => {
    // GIVEN a region chart with a CNPG Cluster
    const app = Testing.app();
    const chart = regionChart(app, 'hz-fsn-rtz-prod');
    const cluster = cnpgCluster(chart, 'orders-db');
    // WHEN it gets a policy with every default
    new DatabaseNetworkPolicy(chart, 'policy', { cluster });
    // THEN the policy is valid, and without peers nothing pins the local cluster name
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests);
    const policy = manifests.find((m) => m.kind === 'CiliumNetworkPolicy');
    expect(policy).toMatchSnapshot();
    expect(JSON.stringify(policy)).not.toContain(MESH);
  });

  test('selects exactly the instance pods CNPG labels, and admits clients, the operator and the own instances on their ports', () => {
    const app = Testing.app();
    const chart = regionChart(app, 'hz-fsn-rtz-prod', { clusterName: 'fsn', peers: ['hel'] });
    const policy = new DatabaseNetworkPolicy(chart, 'policy', { cluster: cnpgCluster(chart, 'orders-db') });
    const [object] = Testing.synth(chart).filter((m) => m.kind === 'CiliumNetworkPolicy');
    expect(policy.policyName).toBe('orders-db-ingress');
    expect(object.metadata).toMatchObject({ name: 'orders-db-ingress', namespace: MYDB.namespace });
    expect(object.spec.endpointSelector).toEqual({ matchLabels: { 'cnpg.io/cluster': 'orders-db', 'cnpg.io/podRole': 'instance' } });
    // With mesh peers, every local peer names the local cluster (Cilium <= 1.18 matches every cluster otherwise).
    expect(rules(object)).toEqual([
      [[{ [NS]: MYDB.namespace, [MESH]: 'fsn' }], ['5432/TCP']],
      [[{ 'app.kubernetes.io/name': 'cloudnative-pg', [NS]: 'cnpg-system', [MESH]: 'fsn' }], ['8000/TCP', '5432/TCP']],
      [[{ 'cnpg.io/cluster': 'orders-db', [NS]: MYDB.namespace, [MESH]: 'fsn' }], ['5432/TCP', '8000/TCP']],
    ]);
    expect(object.spec).not.toHaveProperty('egress');
    expect(object.spec).not.toHaveProperty('egressDeny');
  });

  test('a peer in another region cluster may stream on 5432, matched by its ClusterMesh cluster name', () => {
    // GIVEN two region charts whose Clusters form a pair
    const app = Testing.app();
    const fsn = regionChart(app, FSN, { clusterName: 'fsn', peers: ['hel'] });
    const hel = regionChart(app, HEL, { clusterName: 'hel', peers: ['fsn'], primary: FSN });
    const primary = cnpgCluster(fsn, 'orders-db');
    const replica = cnpgCluster(hel, 'orders-db-replica');
    // WHEN each side admits the other
    const primaryPolicy = new DatabaseNetworkPolicy(fsn, 'policy', { cluster: primary, peer: replica });
    new DatabaseNetworkPolicy(hel, 'policy', { cluster: replica, peer: primary });
    // THEN the remote rule names the other cluster, namespace and Cluster; both charts stay valid
    expect(primaryPolicy.peer).toEqual({ clusterName: 'orders-db-replica', namespace: MYDB.namespace, meshCluster: 'hel' });
    const [fsnPolicy] = Testing.synth(fsn).filter((m) => m.kind === 'CiliumNetworkPolicy');
    const [helPolicy] = Testing.synth(hel).filter((m) => m.kind === 'CiliumNetworkPolicy');
    expect(rules(fsnPolicy)[3]).toEqual([[{ 'cnpg.io/cluster': 'orders-db-replica', [NS]: MYDB.namespace, [MESH]: 'hel' }], ['5432/TCP']]);
    expect(rules(helPolicy)[3]).toEqual([[{ 'cnpg.io/cluster': 'orders-db', [NS]: MYDB.namespace, [MESH]: 'fsn' }], ['5432/TCP']]);
    expect(rules(helPolicy)[0]).toEqual([[{ [NS]: MYDB.namespace, [MESH]: 'hel' }], ['5432/TCP']]);
    expectValidManifests(Testing.synth(fsn));
    expectValidManifests(Testing.synth(hel));
  });

  test('client namespaces, client labels, the operator and a metrics namespace are configurable', () => {
    const app = Testing.app();
    const chart = regionChart(app, FSN, { clusterName: 'fsn', peers: ['hel'] });
    new DatabaseNetworkPolicy(chart, 'policy', {
      cluster: cnpgCluster(chart, 'orders-db'),
      clientNamespaces: ['web', MYDB.namespace],
      clientPodLabels: { 'orders.example/db-client': 'true' },
      operator: { namespace: 'postgres-operator', podLabels: { 'app.kubernetes.io/instance': 'cnpg' } },
      metricsNamespace: 'monitoring',
    });
    const manifests = Testing.synth(chart);
    expectValidManifests(manifests);
    const object = manifests.find((m) => m.kind === 'CiliumNetworkPolicy');
    const client = { 'orders.example/db-client': 'true', [MESH]: 'fsn' };
    expect(rules(object)).toEqual([
      [[{ ...client, [NS]: MYDB.namespace }, { ...client, [NS]: 'web' }], ['5432/TCP']],
      [[{ 'app.kubernetes.io/instance': 'cnpg', [NS]: 'postgres-operator', [MESH]: 'fsn' }], ['8000/TCP', '5432/TCP']],
      [[{ 'cnpg.io/cluster': 'orders-db', [NS]: MYDB.namespace, [MESH]: 'fsn' }], ['5432/TCP', '8000/TCP']],
      [[{ [NS]: 'monitoring', [MESH]: 'fsn' }], ['9187/TCP']],
    ]);
  });

  describe('validation', () => {
    const attempt = (overrides: Partial<DatabaseNetworkPolicyProps>, clusterNamespace: string | null = MYDB.namespace) => {
      const app = Testing.app();
      const chart = regionChart(app, FSN, { clusterName: 'fsn', peers: ['hel'] });
      const cluster = cnpgCluster(chart, 'orders-db', clusterNamespace);
      return () => new DatabaseNetworkPolicy(chart, 'policy', { cluster, ...overrides });
    };

    test('fails when a client namespace or label is malformed, naming the field and value', () => {
      expect(attempt({ clientNamespaces: ['Web'] })).toThrow('clientNamespaces[0]: "Web" must be a DNS-1123 label');
      expect(attempt({ clientPodLabels: { 'bad key': 'x' } })).toThrow('clientPodLabels: "bad key" is not a label key');
      expect(attempt({ clientPodLabels: { app: 'not a value' } })).toThrow('clientPodLabels.app: "not a value" is not a label value');
    });

    test('fails when the operator or metrics namespace is malformed', () => {
      expect(attempt({ operator: { namespace: 'CNPG' } })).toThrow('operator.namespace: "CNPG" must be a DNS-1123 label');
      expect(attempt({ operator: { podLabels: { 'a/b/c': 'x' } } })).toThrow('operator.podLabels: "a/b/c" is not a label key');
      expect(attempt({ metricsNamespace: 'Monitoring' })).toThrow(/metricsNamespace: "Monitoring" must be a DNS-1123 label.*name the namespace of the Prometheus/);
    });

    test('fails when the Cluster has no namespace', () => {
      expect(attempt({}, null)).toThrow('DatabaseNetworkPolicy <no namespace>/orders-db is invalid:\n  - cluster: Cluster orders-db has no metadata.namespace');
    });

    test('fails when the object is not a CNPG Cluster', () => {
      const app = Testing.app();
      const chart = regionChart(app, FSN);
      const notACluster = new ApiObject(chart, 'c', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'y' } });
      expect(() => new DatabaseNetworkPolicy(chart, 'policy', { cluster: notACluster })).toThrow('cluster: apps/v1 Deployment x is not a CloudNativePG Cluster (postgresql.cnpg.io/v1)');
    });

    test('fails when the peer runs in the same ClusterMesh cluster', () => {
      const app = Testing.app();
      const chart = regionChart(app, FSN, { clusterName: 'fsn', peers: ['hel'] });
      const other = cnpgCluster(chart, 'orders-db-replica');
      expect(attempt({ peer: other })).toThrow(/peer: Cluster orders-db-replica is in ClusterMesh cluster fsn, the same as orders-db; a peer must run in another region cluster/);
    });

    test('reports every problem at once', () => {
      expect(attempt({ clientNamespaces: ['A'], operator: { namespace: 'B' }, metricsNamespace: 'C' })).toThrow(/clientNamespaces\[0\].*\n.*operator\.namespace.*\n.*metricsNamespace/);
    });
  });
});

describe('DatabaseNetworkPolicy in CnpgHotStandbyPair', () => {
  test('every rendered Cluster gets a policy: the pair (snapshot of both sides)', () => {
    const byRegion = paired();
    expect(byRegion.get(FSN)!.map((p) => p.metadata.name)).toEqual(['mydb-ingress']);
    expect(byRegion.get(HEL)!.map((p) => p.metadata.name)).toEqual(['mydb-replica-ingress']);
    expect(Object.fromEntries(byRegion)).toMatchSnapshot();
  });

  test('the primary admits the replica Cluster from the replica region\'s mesh cluster, and the replica mirrors it', () => {
    const byRegion = paired();
    // twoRegions(): fsn is the ClusterMesh name of FSN; HEL has none configured, so its region name is its mesh name.
    const [primary] = byRegion.get(FSN)!;
    const [replica] = byRegion.get(HEL)!;
    expect(primary.metadata.labels).toMatchObject({ 'sovereign.openova.io/pair': 'mydb', 'sovereign.openova.io/region': FSN });
    expect(primary.spec.endpointSelector.matchLabels).toEqual({ 'cnpg.io/cluster': 'mydb', 'cnpg.io/podRole': 'instance' });
    expect(rules(primary)).toContainEqual([[{ 'cnpg.io/cluster': 'mydb-replica', [NS]: MYDB.namespace, [MESH]: HEL }], ['5432/TCP']]);
    expect(replica.spec.endpointSelector.matchLabels).toEqual({ 'cnpg.io/cluster': 'mydb-replica', 'cnpg.io/podRole': 'instance' });
    expect(rules(replica)).toContainEqual([[{ 'cnpg.io/cluster': 'mydb', [NS]: MYDB.namespace, [MESH]: 'fsn' }], ['5432/TCP']]);
    // Local peers are pinned to the own cluster: the same namespace exists in both regions.
    expect(rules(primary)[0]).toEqual([[{ [NS]: MYDB.namespace, [MESH]: 'fsn' }], ['5432/TCP']]);
    expect(rules(replica)[0]).toEqual([[{ [NS]: MYDB.namespace, [MESH]: HEL }], ['5432/TCP']]);
  });

  test('the single-Cluster shape gets a policy without a remote peer', () => {
    const byRegion = policies(twoRegions({ databases: [MYDB] }));
    const [primary] = byRegion.get(FSN)!;
    expect(byRegion.get(HEL)).toEqual([]);
    // Clients, the operator, its own instances, and Prometheus on 9187 (the Cluster has a PodMonitor).
    expect(rules(primary)).toHaveLength(4);
    expect(JSON.stringify(primary.spec.ingress)).not.toContain('mydb-replica');
  });

  test('distributed and promoted pairs keep both directions open', () => {
    for (const database of [{ topology: 'distributed' }, { promoted: true }, { mesh: { enabled: false, externalHost: 'mydb.fsn.example.net' } }]) {
      const byRegion = paired(database);
      expect(rules(byRegion.get(FSN)![0])).toContainEqual([[{ 'cnpg.io/cluster': 'mydb-replica', [NS]: MYDB.namespace, [MESH]: HEL }], ['5432/TCP']]);
      expect(rules(byRegion.get(HEL)![0])).toContainEqual([[{ 'cnpg.io/cluster': 'mydb', [NS]: MYDB.namespace, [MESH]: 'fsn' }], ['5432/TCP']]);
    }
  });

  test('the database config reaches the policies of both sides', () => {
    const byRegion = paired({
      networkPolicy: { clientNamespaces: ['web'], clientPodLabels: { app: 'wordpress' }, operator: { namespace: 'cnpg' }, metricsNamespace: 'monitoring' },
    });
    for (const [region, mesh] of [[FSN, 'fsn'], [HEL, HEL]]) {
      const [policy] = byRegion.get(region)!;
      expect(rules(policy)[0]).toEqual([[{ app: 'wordpress', [NS]: MYDB.namespace, [MESH]: mesh }, { app: 'wordpress', [NS]: 'web', [MESH]: mesh }], ['5432/TCP']]);
      expect(rules(policy)[1]).toEqual([[{ 'app.kubernetes.io/name': 'cloudnative-pg', [NS]: 'cnpg', [MESH]: mesh }], ['8000/TCP', '5432/TCP']]);
      expect(rules(policy)).toContainEqual([[{ [NS]: 'monitoring', [MESH]: mesh }], ['9187/TCP']]);
    }
  });

  test('the pair exposes its policies, the primary\'s first', () => {
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    const pair = new CnpgHotStandbyPair(sovereign.regionChart(FSN), 'pair', { ...MYDB, primaryRegion: sovereign.regionChart(FSN), replicaRegion: sovereign.regionChart(HEL) });
    expect(pair.networkPolicies.map((p) => [p.policyName, p.peer?.meshCluster])).toEqual([
      ['mydb-ingress', HEL],
      ['mydb-replica-ingress', 'fsn'],
    ]);
    expectValidSovereign(synthesizeSovereign(sovereign));
  });

  test('fails when the config gives a malformed client namespace or operator label, naming the config path', () => {
    expect(() => resolveSovereignConfig(twoRegions({ databases: [{ ...MYDB, networkPolicy: { clientNamespaces: ['Web'] } }] }))).toThrow(
      /databases\[0\]\.networkPolicy\.clientNamespaces\[0\]: must be a DNS-1123 label/,
    );
    expect(() => resolveSovereignConfig(twoRegions({ databases: [{ ...MYDB, networkPolicy: { operator: { podLabels: { 'bad key': 'x' } } } }] }))).toThrow(
      'databases[0].networkPolicy.operator.podLabels.bad key: is not a label key; use a key such as "app.kubernetes.io/name"',
    );
  });

  test('fails when the pair is given malformed policy options, before anything renders', () => {
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    expect(
      () => new CnpgHotStandbyPair(sovereign.regionChart(FSN), 'pair', { ...MYDB, primaryRegion: sovereign.regionChart(FSN), networkPolicy: { metricsNamespace: 'Bad' } }),
    ).toThrow(/CnpgHotStandbyPair tenant-a\/mydb is invalid:\n {2}- networkPolicy\.metricsNamespace: "Bad" must be a DNS-1123 label/);
  });
});
