import { App, Testing } from 'cdk8s';
import { RegionChart, RegionRole } from '../../lib/sovereign/region-chart';
import { Sovereign } from '../../lib/sovereign/sovereign';
import { loadSovereignConfig, resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { renderRegionFiles } from '../../lib/output/region-files';
import { FSN, HEL, NBG, OMANTEL_YAML, threeRegions, twoRegions } from '../helpers/configs';
import { expectValidSovereign } from '../helpers/manifests';

const namespacesOf = (objects: readonly { kind: string; metadata: { name: string } }[]) =>
  objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);

describe('Sovereign', () => {
  test('renders one chart per region, primary first in config order (snapshot)', () => {
    // GIVEN the shipped example
    const config = loadSovereignConfig(OMANTEL_YAML);
    // WHEN
    const output = synthesizeSovereign(config);
    // THEN
    expect(output.regions.map((r) => r.region)).toEqual([FSN, HEL]);
    expectValidSovereign(output);
    expect(output).toMatchSnapshot();
  });

  test('every region gets the openbao and ESO namespaces with Pod Security restricted', () => {
    const output = synthesizeSovereign(resolveSovereignConfig(threeRegions()));
    for (const region of output.regions) {
      const openbao = region.objects.find((o) => o.kind === 'Namespace' && o.metadata.name === 'openbao')!;
      expect(openbao.metadata.labels).toEqual({
        'app.kubernetes.io/managed-by': 'sovereign-cdk8s',
        'sovereign.openova.io/sovereign': 'omantel',
        'sovereign.openova.io/region': region.region,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      });
      expect(namespacesOf(region.objects)).toEqual(expect.arrayContaining(['openbao', 'external-secrets-system']));
      // their services and identities cross the mesh (global services, cross-cluster policies)
      expect(openbao.metadata.annotations).toEqual({ 'clustermesh.cilium.io/global': 'true' });
    }
    expectValidSovereign(output);
  });

  test('database namespaces exist in both regions of an active pair, only in the primary otherwise', () => {
    const databases = [{ name: 'db', namespace: 'tenant-a' }];
    const paired = synthesizeSovereign(resolveSovereignConfig(threeRegions({ databases, hotStandby: { enabled: true, replicaRegion: HEL } })));
    const single = synthesizeSovereign(resolveSovereignConfig(threeRegions({ databases })));
    const where = (o: typeof paired) => o.regions.filter((r) => namespacesOf(r.objects).includes('tenant-a')).map((r) => r.region);
    expect(where(paired)).toEqual([FSN, HEL]);
    expect(where(single)).toEqual([FSN]);
    expect(where(single)).not.toContain(NBG);
  });

  test('regions know their OpenBao role from primaryRegion', () => {
    const app = Testing.app();
    const sovereign = new Sovereign(app, 'omantel', { config: resolveSovereignConfig(twoRegions({ primaryRegion: HEL })) });
    expect(sovereign.regionChart(HEL).role).toBe(RegionRole.PRIMARY);
    expect(sovereign.regionChart(FSN).role).toBe(RegionRole.REPLICA);
    expect(sovereign.primaryChart.region.name).toBe(HEL);
  });

  test('identical input gives byte-identical output', () => {
    const render = () => [...renderRegionFiles(synthesizeSovereign(loadSovereignConfig(OMANTEL_YAML)))];
    expect(render()).toEqual(render());
  });

  test('fails when asked for a region it does not have', () => {
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    expect(() => sovereign.regionChart('hz-nowhere')).toThrow(`"hz-nowhere" is not a region of Sovereign omantel; regions: ${FSN}, ${HEL}`);
  });

  test('fails when RegionChart.of is used outside a region chart', () => {
    const chart = Testing.chart();
    expect(() => RegionChart.of(chart)).toThrow(/is not inside a RegionChart/);
  });
});
