import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as api from '../lib';
import * as validate from '../lib/validate';

const ROOT = join(__dirname, '..');

/** The packages a fresh Node process has loaded after requiring `entry` (jest's own module registry would hide them). */
function packagesLoadedBy(entry: string): string[] {
  const script = `require(${JSON.stringify(entry)}); const names = Object.keys(require.cache).map((k) => /node_modules[\\\\/]((@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(k)?.[1]).filter(Boolean); console.log(JSON.stringify([...new Set(names)].sort()));`;
  return JSON.parse(execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8' }));
}

describe('public API', () => {
  test('exports the constructs the user named and the composition around them', () => {
    for (const name of ['OpenBaoRegion', 'PerfReplicationLink', 'CnpgHotStandbyPair', 'PrimaryPushSecret', 'Sovereign', 'SovereignApp', 'RegionChart', 'RegionContext', 'LocalExternalSecret', 'WorkloadIdentity', 'ReplicationMechanism', 'OpenBaoSeal', 'OpenBaoSnapshotBackup', 'resolveSovereignConfig', 'loadSovereignConfig', 'synthesizeSovereign', 'synthSovereignToFolder']) {
      expect(api).toHaveProperty(name);
    }
  });

  test('the validator has its own entry point', () => {
    expect(validate).toHaveProperty('ManifestValidator');
    expect(api).not.toHaveProperty('ManifestValidator');
  });

  test('the main entry loads neither the validator nor cdktf', () => {
    const loaded = packagesLoadedBy('./lib');
    expect(loaded).toContain('cdk8s');
    expect(loaded.filter((name) => /^(ajv|ajv-formats|@marcbachmann\/cel-js|@bufbuild\/.*|cdktf|@cdktf\/.*)$/.test(name))).toEqual([]);
  });
});
