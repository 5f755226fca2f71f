import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiObject, App, Chart, Lazy } from 'cdk8s';
import { parse } from 'yaml';
import { CnpgHotStandbyPair } from '../../lib/cnpg/cnpg-hot-standby-pair';
import { RegionContext, RegionRole } from '../../lib/common/region-context';
import { OpenBaoRegion } from '../../lib/openbao/openbao-region';
import { OpenBaoSeal } from '../../lib/openbao/seal';
import { PrimaryPushSecret } from '../../lib/secrets/primary-push-secret';
import { Sovereign } from '../../lib/sovereign/sovereign';
import { SovereignApp } from '../../lib/sovereign/sovereign-app';
import { loadSovereignConfig, resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { formatSummary } from '../../lib/sovereign/synth-to-folder';
import { synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { EXAMPLES, FSN, HEL, OMANTEL_YAML, threeRegions, twoRegions } from '../helpers/configs';
import { expectValidSovereign } from '../helpers/manifests';

const tmp = () => mkdtempSync(join(tmpdir(), 'sovereign-app-'));
const kustomization = (dir: string) => parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')).resources as string[];

describe('user-composed Sovereign apps', () => {
  let out: string;
  beforeEach(() => {
    out = tmp();
  });
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  test('SovereignApp.synth() writes region folders that include the user\'s own constructs', () => {
    // GIVEN a Sovereign in the user's own app, with a pair of their own added to its region charts
    const app = new SovereignApp({ outdir: out });
    const sovereign = new Sovereign(app, 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    const fsn = sovereign.regionChart(FSN);
    new CnpgHotStandbyPair(fsn, 'orders', { name: 'orders-db', namespace: 'orders', primaryRegion: fsn, replicaRegion: sovereign.regionChart(HEL) });
    // WHEN the app synthesizes
    app.synth();
    // THEN every region folder, its kustomization and the promotion state are written, the pair included
    expect(kustomization(join(out, 'omantel', FSN))).toContain('cluster_orders_orders-db.yaml');
    expect(kustomization(join(out, 'omantel', HEL))).toContain('cluster_orders_orders-db-replica.yaml');
    expect(JSON.parse(readFileSync(join(out, 'omantel', 'sovereign-state.json'), 'utf8'))).toEqual({ sovereign: 'omantel', primaryRegion: FSN });
    expect(formatSummary(app.result!, 'dist')).toContain(`database orders/orders-db: replicaCluster pair ${FSN} -> ${HEL}`);
    expectValidSovereign(app.result!.output);
  });

  test('the promotion guard covers user-composed apps too', () => {
    const synth = (primaryRegion: string, promote?: string) => {
      const app = new SovereignApp({ outdir: out, promote });
      new Sovereign(app, 'omantel', { config: resolveSovereignConfig(twoRegions({ primaryRegion })) });
      app.synth();
    };
    synth(FSN);
    const before = readFileSync(join(out, 'omantel', FSN, 'kustomization.yaml'), 'utf8');
    expect(() => synth(HEL)).toThrow(/DR promotion/);
    expect(readFileSync(join(out, 'omantel', FSN, 'kustomization.yaml'), 'utf8')).toBe(before);
    synth(HEL, HEL);
    expect(JSON.parse(readFileSync(join(out, 'omantel', 'sovereign-state.json'), 'utf8')).primaryRegion).toBe(HEL);
  });

  test('charts the user builds with region contexts synthesize into one folder per region', () => {
    // GIVEN two plain charts, one per region, without any Sovereign config
    const app = new App();
    const primary = new Chart(app, 'primary');
    RegionContext.provide(primary, { sovereign: 'acme', region: FSN, clusterName: 'fsn', trustDomain: 'acme.example', peerClusterNames: ['hel'] });
    const replica = new Chart(app, 'replica');
    RegionContext.provide(replica, { sovereign: 'acme', region: HEL, clusterName: 'hel', role: RegionRole.REPLICA, primaryRegion: FSN, trustDomain: 'acme.example' });
    const seal = OpenBaoSeal.staticKey({ keyId: '1', secretName: 'openbao-seal' });
    new OpenBaoRegion(primary, 'openbao', { seal });
    new OpenBaoRegion(replica, 'openbao', { seal });
    new CnpgHotStandbyPair(primary, 'db', { name: 'db', namespace: 'apps', primaryRegion: primary, replicaRegion: replica });
    // WHEN synthesized
    const output = synthesizeSovereign(app);
    // THEN the regions, their roles and the databases come from the contexts
    expect(output.sovereign).toBe('acme');
    expect(output.primaryRegion).toBe(FSN);
    expect(output.regions.map((r) => r.region)).toEqual([FSN, HEL]);
    expect(output.databases).toEqual([{ namespace: 'apps', name: 'db', primaryRegion: FSN, replicaRegion: HEL, topology: 'replicaCluster', promoted: false }]);
    expect(output.regions[1].objects.filter((o) => o.kind === 'Service' && o.metadata.name === 'openbao-primary').map((o) => (o.metadata as any).annotations)).toEqual([
      { 'service.cilium.io/global': 'true', 'service.cilium.io/shared': 'false' },
    ]);
    expectValidSovereign(output);
  });

  test('fails when two pairs render the same Cluster', () => {
    const app = new App();
    const sovereign = new Sovereign(app, 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    const fsn = sovereign.regionChart(FSN);
    new CnpgHotStandbyPair(fsn, 'a', { name: 'orders', namespace: 'apps', primaryRegion: fsn });
    new CnpgHotStandbyPair(fsn, 'b', { name: 'orders', namespace: 'apps', primaryRegion: fsn });
    expect(() => synthesizeSovereign(sovereign)).toThrow(
      `duplicate object Cluster apps/orders in region ${FSN}: omantel/${FSN}/a/Primary and omantel/${FSN}/b/Primary render the same object; give one of them another name or namespace`,
    );
  });

  test('fails when a chart holds two regions\' worth of OpenBao', () => {
    const app = new App();
    const chart = new Chart(app, 'everything');
    RegionContext.provide(chart, { sovereign: 'acme', region: FSN, trustDomain: 'acme.example' });
    const seal = OpenBaoSeal.staticKey({ keyId: '1', secretName: 'openbao-seal' });
    new OpenBaoRegion(chart, 'fsn', { seal });
    new OpenBaoRegion(chart, 'hel', { seal });
    expect(() => synthesizeSovereign(app)).toThrow(/duplicate object StatefulSet openbao\/openbao in region hz-fsn-rtz-prod: everything\/fsn\/StatefulSet and everything\/hel\/StatefulSet/);
  });

  test('fails when a chart has no region context, and writes nothing', () => {
    const app = new SovereignApp({ outdir: out });
    new Sovereign(app, 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    new Chart(app, 'stray');
    expect(() => app.synth()).toThrow("stray: the chart has no region context; add it to a Sovereign's region chart or call RegionContext.provide(chart, ...) on it");
    expect(existsSync(join(out, 'omantel'))).toBe(false);
  });

  test('fails when charts of two Sovereigns share an app', () => {
    const app = new App();
    new Sovereign(app, 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    new Sovereign(app, 'acme', { config: resolveSovereignConfig(twoRegions({ name: 'acme' })) });
    expect(() => synthesizeSovereign(app)).toThrow('the charts belong to different Sovereigns (omantel, acme); synthesize each Sovereign on its own');
  });

  test('fails with an empty app', () => {
    expect(() => synthesizeSovereign(new App())).toThrow('nothing to synthesize: the app has no chart with a region context');
  });

  test('a PrimaryPushSecret added to a region chart is validated eagerly', () => {
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    expect(
      () =>
        new PrimaryPushSecret(sovereign.regionChart(FSN), 'bad', {
          tenant: { name: 'apps', namespaces: ['apps'], keyPrefix: 'sovereign/omantel/apps/', readRegions: [FSN], pushRegions: [FSN], system: false },
          name: 'Bad_Name',
          namespace: 'Apps',
          secretName: 'creds!',
          labels: { 'bad key!': 'v' },
          data: [{ secretKey: 'a/b', remoteKey: 'sovereign/omantel/x' }],
        }),
    ).toThrow(
      [
        'PrimaryPushSecret Apps/Bad_Name is invalid:',
        '  - namespace: Apps is not a namespace of tenant apps (apps); its store would refuse it',
        '  - name: "Bad_Name" must be a DNS-1123 subdomain (lowercase letters, digits, \'-\', \'.\') of at most 253 characters',
        '  - namespace: "Apps" must be a DNS-1123 label (lowercase letters, digits, \'-\') of at most 63 characters',
        '  - secretName: "creds!" must be a DNS-1123 subdomain (lowercase letters, digits, \'-\', \'.\') of at most 253 characters',
        '  - labels: "bad key!" is not a label key',
        '  - data[0].secretKey: "a/b" must be a data key (letters, digits, \'-\', \'_\', \'.\')',
      ].join('\n'),
    );
  });

  test('renders every chart exactly as cdk8s chart.toJson() does, in the same order, and defers to it when objects depend on each other', () => {
    // GIVEN the shipped examples and a three-region config, each rendered by synthesizeSovereign's single pass
    const configs = [loadSovereignConfig(OMANTEL_YAML), loadSovereignConfig(join(EXAMPLES, 'three-regions.yaml')), resolveSovereignConfig(threeRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ name: 'a', namespace: 't-a' }] }))];
    for (const config of configs) {
      const app = new App();
      const sovereign = new Sovereign(app, config.name, { config });
      const output = synthesizeSovereign(app);
      // THEN each region holds what cdk8s itself renders for its chart, object for object
      for (const region of config.regions) expect(output.regions.find((r) => r.region === region.name)!.objects).toEqual(sovereign.regionChart(region.name).toJson());
      expectValidSovereign(output);
    }
    // AND with a dependency between two objects, cdk8s's dependency order is kept: the dependency comes first
    const app = new App();
    const sovereign = new Sovereign(app, 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    const objects = sovereign.regionChart(FSN).node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
    const [first, last] = [objects[0], objects[objects.length - 1]];
    first.node.addDependency(last);
    const rendered = synthesizeSovereign(app).regions.find((r) => r.region === FSN)!.objects;
    const position = (object: ApiObject) => rendered.findIndex((o) => o.kind === object.kind && o.metadata.name === object.name && o.metadata.namespace === object.metadata.namespace);
    expect(position(last)).toBeLessThan(position(first));
  });

  test('reports validation errors before rendering, so an invalid object that cannot render still gets its message', () => {
    // GIVEN an object whose construct fails validation and whose rendering throws
    const app = new App();
    const sovereign = new Sovereign(app, 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    const broken = new ApiObject(sovereign.regionChart(FSN), 'broken', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'broken', namespace: 'apps' }, data: Lazy.any({ produce: () => { throw new Error('cannot render'); } }) });
    broken.node.addValidation({ validate: () => ['broken is invalid'] });
    // THEN the validation error is what the user sees
    expect(() => synthesizeSovereign(app)).toThrow(/failed validation:\n {2}- omantel\/hz-fsn-rtz-prod\/broken: broken is invalid/);
  });
});
