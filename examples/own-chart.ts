// A team that wants one construct in the cdk8s app it already has: a PostgreSQL pair across two region clusters,
// composed into the team's own charts. `RegionContext.provide` gives each chart the region facts the construct needs.
// Run: npx tsx examples/own-chart.ts   (writes dist/*.k8s.yaml, one file per chart, as any cdk8s app)
import { App, Chart } from 'cdk8s';
import { CnpgHotStandbyPair, RegionContext, RegionRole } from 'sovereign-cdk8s';

const app = new App();
const sovereign = { sovereign: 'acme', trustDomain: 'acme.example', regionLabelKey: 'openova.io/region' };

const fsn = new Chart(app, 'orders-fsn');
RegionContext.provide(fsn, { ...sovereign, region: 'hz-fsn-rtz-prod', clusterName: 'fsn' });
const hel = new Chart(app, 'orders-hel');
RegionContext.provide(hel, { ...sovereign, region: 'hz-hel-rtz-prod', clusterName: 'hel', role: RegionRole.REPLICA, primaryRegion: 'hz-fsn-rtz-prod' });

// The primary Cluster lands in `fsn`, the hot standby and its mesh stub in `hel`.
new CnpgHotStandbyPair(fsn, 'orders', {
  name: 'orders-db',
  namespace: 'orders',
  primaryRegion: fsn,
  replicaRegion: hel,
  instances: 3,
  storageSize: '50Gi',
  imageName: 'ghcr.io/cloudnative-pg/postgresql:16.6',
});

app.synth();
