import * as api from '../lib';

describe('public API', () => {
  test('exports the constructs the user named and the composition around them', () => {
    for (const name of ['OpenBaoRegion', 'PerfReplicationLink', 'CnpgHotStandbyPair', 'PrimaryPushSecret', 'Sovereign', 'RegionChart', 'LocalExternalSecret', 'WorkloadIdentity', 'ReplicationMechanism', 'OpenBaoSeal', 'ManifestValidator', 'resolveSovereignConfig', 'loadSovereignConfig', 'synthesizeSovereign']) {
      expect(api).toHaveProperty(name);
    }
  });

  test('does not load cdktf (that is the ./tofu entry point)', () => {
    expect(Object.keys(require.cache).filter((k) => /node_modules[\\/](cdktf|@cdktf)[\\/]/.test(k))).toEqual([]);
  });
});
