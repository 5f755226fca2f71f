// A whole Sovereign from its config, plus constructs of the team's own in its region charts, written as region
// folders (`dist/<sovereign>/<region>/` with a kustomization.yaml) behind the DR promotion guard.
// Run: npx tsx examples/sovereign-app.ts   (SOVEREIGN_CONFIG picks the config; CDK8S_OUTDIR the output root)
import { join } from 'node:path';
import { formatSummary, loadSovereignConfig, PrimaryPushSecret, Sovereign, SovereignApp } from 'sovereign-cdk8s';

const config = loadSovereignConfig(process.env.SOVEREIGN_CONFIG ?? join(__dirname, 'omantel.yaml'), { env: process.env });
const app = new SovereignApp({ promote: process.env.SOVEREIGN_PROMOTE });
const sovereign = new Sovereign(app, config.name, { config });

// The team's own secret, written once to the OpenBao primary and read back in every region through bao-local.
sovereign.primaryChart.ensureNamespace('billing');
new PrimaryPushSecret(sovereign.primaryChart, 'billing-api-key', {
  name: 'billing-api-key',
  namespace: 'billing',
  secretName: 'billing-api-key',
  data: [{ secretKey: 'key', remoteKey: `sovereign/${config.name}/billing/api-key`, property: 'key' }],
});

app.synth();
console.log(formatSummary(app.result!, app.sovereignOutdir));
