// Imported first by every module of this entry point, before any cdktf import: a missing optional peer dependency
// stops with the command that installs it, not with a raw "Cannot find module".
const PEERS = { cdktf: '^0.21.0', '@cdktf/provider-kubernetes': '^12.1.0' } as const;

const missing = Object.keys(PEERS).filter((name) => {
  try {
    require.resolve(`${name}/package.json`);
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  const install = missing.map((name) => `${name}@"${PEERS[name as keyof typeof PEERS]}"`).join(' ');
  throw new Error(
    `sovereign-cdk8s/tofu needs the optional peer dependencies ${missing.join(' and ')}, which are not installed. Install them with: npm install --save-dev ${install}`,
  );
}
