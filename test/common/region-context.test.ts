import { App, Chart, Testing } from 'cdk8s';
import { CnpgHotStandbyPair } from '../../lib/cnpg/cnpg-hot-standby-pair';
import { RegionContext, RegionRole } from '../../lib/common/region-context';
import { OpenBaoRegion } from '../../lib/openbao/openbao-region';
import { OpenBaoSeal } from '../../lib/openbao/seal';
import { PrimaryPushSecret } from '../../lib/secrets/primary-push-secret';
import { FSN, HEL } from '../helpers/configs';
import { expectValidManifests } from '../helpers/manifests';

const ACME = { sovereign: 'acme', trustDomain: 'acme.example' } as const;

/** A user's own chart, given the region facts the library's constructs read. */
function plainChart(app: App, id: string, props: Partial<Parameters<typeof RegionContext.provide>[1]> = {}): Chart {
  const chart = new Chart(app, id);
  RegionContext.provide(chart, { ...ACME, region: FSN, ...props });
  return chart;
}

describe('RegionContext', () => {
  test('a CnpgHotStandbyPair in a plain chart renders its namespace and Cluster (snapshot)', () => {
    // GIVEN a chart the user already has, with a region context
    const chart = plainChart(Testing.app(), 'databases', { regionLabelKey: 'openova.io/region' });
    // WHEN a single-Cluster pair is composed into it
    new CnpgHotStandbyPair(chart, 'orders', { name: 'orders-db', namespace: 'orders', primaryRegion: chart });
    // THEN the chart holds the restricted namespace, the Cluster pinned to the context's region and its ingress policy
    const objects = Testing.synth(chart);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Cluster/orders-db', 'CiliumNetworkPolicy/orders-db-ingress', 'PodMonitor/orders-db', 'Namespace/orders']);
    expect(objects[3].metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    expect(objects[0].spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'openova.io/region', operator: 'In', values: [FSN] }] },
    ]);
    expect(objects[0].metadata.labels).toMatchObject({ 'sovereign.openova.io/sovereign': 'acme', 'sovereign.openova.io/region': FSN });
    expectValidManifests(objects);
    expect(objects).toMatchSnapshot();
  });

  test('a pair spans two plain charts, one per region', () => {
    const app = Testing.app();
    const fsn = plainChart(app, 'fsn');
    const hel = plainChart(app, 'hel', { region: HEL, role: RegionRole.REPLICA, primaryRegion: FSN });
    new CnpgHotStandbyPair(fsn, 'orders', { name: 'orders-db', namespace: 'orders', primaryRegion: fsn, replicaRegion: hel });
    const replica = Testing.synth(hel);
    expect(replica.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'CiliumNetworkPolicy/orders-db-replica-ingress',
      'Cluster/orders-db-replica',
      'Namespace/orders',
      // No object stores were given: nothing is archived, but the replica's PodMonitor and lag alerts are rendered.
      'PodMonitor/orders-db-replica',
      'PrometheusRule/orders-db-replica-durability',
      'Service/orders-db-mesh',
    ]);
    expectValidManifests(Testing.synth(fsn));
    expectValidManifests(replica);
  });

  test('createNamespaces: false leaves namespaces to the chart owner', () => {
    const chart = plainChart(Testing.app(), 'apps', { createNamespaces: false });
    new PrimaryPushSecret(chart, 'creds', {
      tenant: { name: 'apps', namespaces: ['apps'], keyPrefix: 'sovereign/acme/apps/', readRegions: [FSN], pushRegions: [FSN], system: false },
      name: 'creds', namespace: 'apps', secretName: 'creds', data: [{ secretKey: 'password', remoteKey: 'sovereign/acme/apps/creds' }],
    });
    new CnpgHotStandbyPair(chart, 'db', { name: 'db', namespace: 'apps', primaryRegion: chart });
    expect(Testing.synth(chart).map((o) => o.kind)).toEqual(['PushSecret', 'Cluster', 'CiliumNetworkPolicy', 'PodMonitor']);
  });

  test('an OpenBaoRegion in a plain primary chart admits the peer clusters it is told about', () => {
    const chart = plainChart(Testing.app(), 'openbao', { clusterName: 'fsn', peerClusterNames: ['hel'] });
    const region = new OpenBaoRegion(chart, 'openbao', { seal: OpenBaoSeal.staticKey({ keyId: '1', secretName: 'openbao-seal' }) });
    expect(region.role).toBe(RegionRole.PRIMARY);
    const objects = Testing.synth(chart);
    const remote = objects.find((o) => o.kind === 'CiliumNetworkPolicy' && o.metadata.name === 'openbao-primary-remote-callers');
    expect(remote?.spec.ingress[0].fromEndpoints.map((e: any) => e.matchExpressions)).toEqual([
      [{ key: 'io.cilium.k8s.policy.cluster', operator: 'In', values: ['hel'] }],
      [{ key: 'io.cilium.k8s.policy.cluster', operator: 'In', values: ['hel'] }],
    ]);
    expectValidManifests(objects);
  });

  test('a context on the App reaches every chart in it', () => {
    const app = Testing.app();
    RegionContext.provide(app, { ...ACME, region: FSN });
    const chart = new Chart(app, 'c');
    expect(RegionContext.of(chart).region).toBe(FSN);
  });

  test('fails when a construct has no region context', () => {
    const chart = new Chart(Testing.app(), 'plain');
    expect(() => new CnpgHotStandbyPair(chart, 'db', { name: 'db', namespace: 'apps', primaryRegion: chart })).toThrow(
      "plain has no region context: create it inside a Sovereign's RegionChart, or call RegionContext.provide(chart",
    );
  });

  test('fails when a scope gets a second context', () => {
    const chart = plainChart(Testing.app(), 'twice');
    expect(() => RegionContext.provide(chart, { ...ACME, region: HEL })).toThrow('twice already has a region context');
  });

  test('fails with every problem of bad context props', () => {
    expect(() =>
      RegionContext.provide(new Chart(Testing.app(), 'bad'), {
        sovereign: 'Acme',
        region: 'hz_fsn',
        role: RegionRole.REPLICA,
        regionLabelKey: 'not a key',
        trustDomain: 'ACME',
        svidIssuer: { kind: 'Issuer', name: '' },
      }),
    ).toThrow(
      [
        'region context is invalid:',
        '  - sovereign: "Acme" must be a DNS-1123 label of at most 63 characters',
        '  - region: "hz_fsn" must be a DNS-1123 label of at most 63 characters',
        "  - primaryRegion: a replica region must name the Sovereign's OpenBao primary, another region",
        '  - regionLabelKey: "not a key" is not a Kubernetes label key such as "topology.kubernetes.io/region"',
        '  - trustDomain: "ACME" must be a SPIFFE trust domain such as "omantel.example"',
        '  - svidIssuer.name: "" must be a DNS-1123 subdomain',
      ].join('\n'),
    );
  });

  test('fails when a primary context names another primary region', () => {
    expect(() => RegionContext.provide(new Chart(Testing.app(), 'p'), { ...ACME, region: FSN, primaryRegion: HEL })).toThrow(
      `role: the region is ${FSN} but primaryRegion is ${HEL}; set role: RegionRole.REPLICA`,
    );
  });
});
