import { App } from 'cdk8s';
import { CnpgHotStandbyPair, loadSovereignConfig, PairTopology, PrimaryPushSecret, Sovereign, synthesizeSovereign } from '../lib';
import { OMANTEL_YAML } from './helpers/configs';
import { expectValidSovereign } from './helpers/manifests';

// The README's "A whole Sovereign, with constructs of your own": a pair added to a Sovereign's region charts, with the
// replication TLS hand-over the README says such pairs need, kept compiling and valid.
test('the README library example composes valid manifests', () => {
  const config = loadSovereignConfig(OMANTEL_YAML, { env: {} });
  const app = new App();
  const sovereign = new Sovereign(app, config.name, { config });
  const fsn = sovereign.regionChart('hz-fsn-rtz-prod');
  const hel = sovereign.regionChart('hz-hel-rtz-prod');
  const pair = new CnpgHotStandbyPair(fsn, 'orders', {
    name: 'orders-db', namespace: 'orders', primaryRegion: fsn, replicaRegion: hel,
    instances: 3, storageSize: '50Gi', topology: PairTopology.DISTRIBUTED,
  });
  sovereign.addTlsHandovers(pair);
  const orders = { name: 'orders', namespaces: ['orders'], keyPrefix: `sovereign/${sovereign.config.name}/orders/`, readRegions: ['hz-fsn-rtz-prod', 'hz-hel-rtz-prod'], pushRegions: ['hz-fsn-rtz-prod'], system: false };
  sovereign.addTenant(orders);
  new PrimaryPushSecret(fsn, 'orders-creds', {
    tenant: orders,
    name: 'orders-creds', namespace: 'orders', secretName: 'orders-creds',
    data: [{ secretKey: 'password', remoteKey: `sovereign/${sovereign.config.name}/orders/creds`, property: 'password' }],
  });
  const objects = sovereign.regionCharts.flatMap((chart) => chart.toJson());
  expect(objects.filter((o) => o.kind === 'Cluster' && o.metadata.namespace === 'orders').map((o) => o.metadata.name)).toEqual(['orders-db', 'orders-db-replica']);
  expect(pair.tlsHandovers).toHaveLength(2);
  expect(objects.filter((o) => o.kind === 'ExternalSecret' && o.metadata.namespace === 'orders').map((o) => o.metadata.name).sort()).toEqual([
    'orders-db-ca',
    'orders-db-replica-ca',
    'orders-db-replica-replication',
    'orders-db-replication',
  ]);
  expectValidSovereign(synthesizeSovereign(sovereign));
});
