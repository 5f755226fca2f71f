// A whole Sovereign from its config, plus constructs of the team's own in its region charts, written as region
// folders (`dist/<sovereign>/<region>/` with a kustomization.yaml) behind the DR promotion guard.
// Run: npx tsx examples/sovereign-app.ts   (SOVEREIGN_CONFIG picks the config; CDK8S_OUTDIR the output root)
import { join } from 'node:path';
import { formatSummary, loadSovereignConfig, PrimaryPushSecret, type SecretTenant, Sovereign, SovereignApp } from 'sovereign-cdk8s';

const config = loadSovereignConfig(process.env.SOVEREIGN_CONFIG ?? join(__dirname, 'omantel.yaml'), { env: process.env });
const app = new SovereignApp({ promote: process.env.SOVEREIGN_PROMOTE });
const sovereign = new Sovereign(app, config.name, { config });

// The team's own tenant: its namespace may write under sovereign/<name>/billing/ on the primary and read it back in
// every region, through stores no other namespace can use. (Declaring it under `tenants:` in the config does the same.)
const billing: SecretTenant = {
  name: 'billing',
  namespaces: ['billing'],
  keyPrefix: `sovereign/${config.name}/billing/`,
  readRegions: config.regions.map((r) => r.name),
  pushRegions: [config.primaryRegion],
  system: false,
};
sovereign.addTenant(billing);
sovereign.primaryChart.ensureNamespace('billing');
new PrimaryPushSecret(sovereign.primaryChart, 'billing-api-key', {
  tenant: billing,
  name: 'billing-api-key',
  namespace: 'billing',
  secretName: 'billing-api-key',
  data: [{ secretKey: 'key', remoteKey: `sovereign/${config.name}/billing/api-key`, property: 'key' }],
});

app.synth();
console.log(formatSummary(app.result!, app.sovereignOutdir));
