import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { RegionContext } from '../../lib/common/region-context';
import { stringify } from 'yaml';
import { CnpgHotStandbyPair, type CnpgHotStandbyPairProps, PairTopology } from '../../lib/cnpg/cnpg-hot-standby-pair';
import { MeshAffinity } from '../../lib/mesh/cluster-mesh';
import type { SovereignConfigInput } from '../../lib/sovereign/config-types';
import { Sovereign } from '../../lib/sovereign/sovereign';
import { loadSovereignConfig, resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { type KubeObject, synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { FSN, HEL, NBG, threeRegions, twoRegions } from '../helpers/configs';
import { expectValidSovereign } from '../helpers/manifests';

type Env = Record<string, string>;
const MYDB = { name: 'mydb', namespace: 'tenant-a' };

function render(config: SovereignConfigInput, env: Env = {}, strict = false) {
  const output = synthesizeSovereign(resolveSovereignConfig(config, { env, strict }));
  expectValidSovereign(output);
  const all = output.regions.flatMap((r) => r.objects.map((o) => ({ region: r.region, object: o })));
  const clusters = all.filter((e) => e.object.kind === 'Cluster');
  return {
    output,
    warnings: output.warnings,
    clusters: clusters.map((e) => ({ region: e.region, name: e.object.metadata.name, spec: (e.object as any).spec, metadata: e.object.metadata })),
    cluster: (name: string) => (clusters.find((e) => e.object.metadata.name === name)?.object as any) ?? fail(`no Cluster ${name}`),
    // Services of the database namespace only (each region also runs OpenBao's Services).
    services: all.filter((e) => e.object.kind === 'Service' && e.object.metadata.namespace === MYDB.namespace).map((e) => ({ region: e.region, object: e.object as any })),
    region: (name: string) => output.regions.find((r) => r.region === name)!.objects,
  };
}

function fail(message: string): never {
  throw new Error(message);
}

const ENV = (enabled: string, primary: string, replica: string): Env => ({
  SOVEREIGN_ENABLE_HOT_STANDBY: enabled,
  SOVEREIGN_PRIMARY_REGION: primary,
  SOVEREIGN_REPLICA_REGION: replica,
});

function configFileWith(hotStandby: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pair-')), 'sovereign.yaml');
  writeFileSync(file, stringify(twoRegions({ databases: [MYDB], hotStandby: hotStandby as any })));
  return file;
}

function globalAnnotationCount(objects: readonly KubeObject[]): number {
  return JSON.stringify(objects).split('"service.cilium.io/global"').length - 1;
}

describe('CnpgHotStandbyPair: the reference matrix (SPEC §8) through the environment knob', () => {
  const base = twoRegions({ databases: [MYDB] });

  test('toggle off -> 1 Cluster', () => {
    expect(render(base, ENV('false', FSN, HEL)).clusters.map((c) => [c.region, c.name])).toEqual([[FSN, 'mydb']]);
  });

  test('on + distinct regions -> 2 Clusters, primary in P, replica in R', () => {
    expect(render(base, ENV('true', FSN, HEL)).clusters.map((c) => [c.region, c.name])).toEqual([
      [FSN, 'mydb'],
      [HEL, 'mydb-replica'],
    ]);
  });

  test('the environment can place the primary in the other region', () => {
    expect(render(base, ENV('on', HEL, FSN)).clusters.map((c) => [c.region, c.name])).toEqual([
      [FSN, 'mydb-replica'],
      [HEL, 'mydb'],
    ]);
  });

  test.each([
    ['empty primary', ENV('true', '', HEL)],
    ['empty replica', ENV('true', FSN, '')],
    ['both empty', ENV('true', '', '')],
    ['identical regions', ENV('true', HEL, HEL)],
  ])('on + %s -> 1 Cluster and a fallback warning', (_, env) => {
    const result = render(base, env);
    expect(result.clusters).toHaveLength(1);
    expect(result.clusters[0].name).toBe('mydb');
    expect(result.services).toEqual([]);
    expect(result.warnings).toEqual([expect.stringContaining('every database renders as a single Cluster')]);
  });

  test.each([
    ['empty primary', ENV('true', '', HEL), ['the primary region is required when hot standby is enabled']],
    ['empty replica', ENV('true', FSN, ''), ['the replica region is required when hot standby is enabled']],
    ['identical regions', ENV('true', HEL, HEL), ['the replica region must not equal the primary region (hot standby needs two distinct regions)']],
  ])('strict + %s -> error', (_, env, messages) => {
    expect(() => render(base, env, true)).toThrow(messages[0]);
  });

  test('off with regions -> 1 Cluster', () => {
    expect(render(base, ENV('no', FSN, HEL)).clusters).toHaveLength(1);
  });
});

describe('CnpgHotStandbyPair: the reference matrix through the config file', () => {
  test.each([
    ['off', { enabled: false }, 1],
    ['on + distinct', { enabled: true, primaryRegion: FSN, replicaRegion: HEL }, 2],
    ['on + empty primary', { enabled: true, primaryRegion: '', replicaRegion: HEL }, 1],
    ['on + empty replica', { enabled: true, primaryRegion: FSN, replicaRegion: '' }, 1],
    ['on + both empty', { enabled: true, primaryRegion: '', replicaRegion: '' }, 1],
    ['on + identical', { enabled: true, primaryRegion: FSN, replicaRegion: FSN }, 1],
    ['off with regions', { enabled: false, primaryRegion: FSN, replicaRegion: HEL }, 1],
  ])('%s %j -> %d Cluster(s)', (_, hotStandby, count) => {
    const output = synthesizeSovereign(loadSovereignConfig(configFileWith(hotStandby)));
    expectValidSovereign(output);
    expect(output.regions.flatMap((r) => r.objects).filter((o) => o.kind === 'Cluster')).toHaveLength(count);
  });

  test.each([
    ['empty primary', { primaryRegion: '', replicaRegion: HEL }, /the primary region is required/],
    ['empty replica', { primaryRegion: FSN, replicaRegion: '' }, /the replica region is required/],
    ['identical', { primaryRegion: FSN, replicaRegion: FSN }, /must not equal the primary region/],
  ])('strict in the file + %s -> error', (_, regions, message) => {
    expect(() => loadSovereignConfig(configFileWith({ enabled: true, strict: true, ...regions }))).toThrow(message);
  });
});

describe('CnpgHotStandbyPair: shapes', () => {
  const paired = (database: Record<string, unknown> = {}, extra: Partial<SovereignConfigInput> = {}) =>
    render(twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ ...MYDB, ...database } as any], regionLabelKey: 'openova.io/region', ...extra }));

  test('names: mydb -> replica mydb-replica, mesh mydb-mesh', () => {
    const result = paired();
    expect(result.clusters.map((c) => c.name)).toEqual(['mydb', 'mydb-replica']);
    expect(result.cluster('mydb').spec.managed.services.additional[0].serviceTemplate.metadata.name).toBe('mydb-mesh');
    expect(result.services.map((s) => [s.region, s.object.metadata.name])).toEqual([[HEL, 'mydb-mesh']]);
  });

  test('the primary has exactly one additional Service: rw, global, local affinity, port 5432 named postgres, no selector', () => {
    const primary = paired().cluster('mydb');
    expect(primary.spec.managed.services.additional).toEqual([
      {
        selectorType: 'rw',
        serviceTemplate: {
          metadata: { name: 'mydb-mesh', annotations: { 'service.cilium.io/global': 'true', 'service.cilium.io/affinity': 'local' } },
          spec: { type: 'ClusterIP', ports: [{ name: 'postgres', port: 5432, protocol: 'TCP' }] },
        },
      },
    ]);
  });

  test('the primary carries role, region and pair as labels and annotations, pinned to its region', () => {
    const primary = paired().cluster('mydb');
    expect(primary.metadata.labels).toMatchObject({ 'sovereign.openova.io/role': 'primary', 'sovereign.openova.io/region': FSN, 'sovereign.openova.io/pair': 'mydb' });
    expect(primary.metadata.annotations).toEqual({ 'sovereign.openova.io/role': 'primary', 'sovereign.openova.io/region': FSN, 'sovereign.openova.io/pair': 'mydb' });
    expect(primary.spec.affinity).toEqual({
      podAntiAffinityType: 'required',
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'openova.io/region', operator: 'In', values: [FSN] }] }] } },
    });
    expect(primary.spec).toMatchObject({ primaryUpdateMethod: 'switchover', enableSuperuserAccess: false, bootstrap: { initdb: { database: 'app', owner: 'app' } } });
  });

  test('WAL parameters suit streaming and hot_standby is never set', () => {
    const result = paired({ parameters: { work_mem: '16MB' } });
    for (const cluster of result.clusters) {
      expect(cluster.spec.postgresql.parameters).toEqual({ max_wal_senders: '10', max_replication_slots: '10', wal_level: 'logical', work_mem: '16MB' });
      expect(cluster.spec.postgresql.parameters).not.toHaveProperty('hot_standby');
    }
  });

  test('the replica streams from the primary through the mesh with verify-full and the hand-over Secrets', () => {
    const replica = paired({ database: 'wp', owner: 'wpuser' }).cluster('mydb-replica');
    expect(replica.metadata.labels).toMatchObject({ 'sovereign.openova.io/role': 'replica', 'sovereign.openova.io/region': HEL });
    expect(replica.spec.replica).toEqual({ enabled: true, source: 'mydb' });
    expect(replica.spec.bootstrap).toEqual({ pg_basebackup: { source: 'mydb', database: 'wp', owner: 'wpuser' } });
    expect(replica.spec.externalClusters).toEqual([
      {
        name: 'mydb',
        connectionParameters: { host: 'mydb-mesh', port: '5432', user: 'streaming_replica', dbname: 'postgres', sslmode: 'verify-full' },
        sslKey: { name: 'mydb-replication', key: 'tls.key' },
        sslCert: { name: 'mydb-replication', key: 'tls.crt' },
        sslRootCert: { name: 'mydb-ca', key: 'ca.crt' },
        // Both regions have an object store: the replica also reads the primary's WAL archive (hybrid source).
        plugin: { name: 'barman-cloud.cloudnative-pg.io', parameters: { barmanObjectName: 'mydb-store', serverName: 'mydb' } },
      },
    ]);
    expect(replica.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values).toEqual([HEL]);
    expect(replica.spec.managed).toBeUndefined();
  });

  test('replica and primary share image, sizing and WAL settings', () => {
    const result = paired({ instances: 3, postgresMajor: 17, storage: { size: '50Gi', storageClass: 'fast' }, resources: { requests: { cpu: '500m', memory: '1Gi' } } });
    const [primary, replica] = result.clusters.map((c) => c.spec);
    for (const key of ['instances', 'imageName', 'storage', 'resources', 'postgresql']) {
      expect(replica[key]).toEqual(primary[key]);
    }
    expect(primary.imageName).toBe('ghcr.io/cloudnative-pg/postgresql:17.10-system-trixie');
    expect(primary.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' } });
  });

  test('the replica region gets a backend-less global stub of the mesh Service in the same namespace', () => {
    const [stub] = paired().services;
    expect(stub.region).toBe(HEL);
    expect(stub.object.metadata).toMatchObject({ name: 'mydb-mesh', namespace: 'tenant-a', annotations: { 'service.cilium.io/global': 'true', 'service.cilium.io/shared': 'false' } });
    expect(stub.object.spec).toEqual({ type: 'ClusterIP', ports: [{ name: 'postgres', port: 5432, protocol: 'TCP' }] });
  });

  test('remote mesh affinity is honoured', () => {
    const primary = paired({ mesh: { affinity: 'remote' } }).cluster('mydb');
    expect(primary.spec.managed.services.additional[0].serviceTemplate.metadata.annotations['service.cilium.io/affinity']).toBe('remote');
  });

  test('mesh disabled -> zero additional Services and zero global annotations, still valid', () => {
    const result = paired({ mesh: { enabled: false, externalHost: 'mydb.fsn.example.net' } });
    expect(result.clusters).toHaveLength(2);
    expect(result.cluster('mydb').spec.managed).toBeUndefined();
    expect(result.services).toEqual([]);
    expect(globalAnnotationCount(result.output.regions.flatMap((r) => r.objects).filter((o) => o.metadata.namespace === MYDB.namespace))).toBe(0);
    expect(result.cluster('mydb-replica').spec.externalClusters[0].connectionParameters.host).toBe('mydb.fsn.example.net');
  });

  test('promoted: the replica Cluster leaves recovery (replica.enabled false)', () => {
    const replica = paired({ promoted: true }).cluster('mydb-replica');
    expect(replica.spec.replica).toEqual({ enabled: false, source: 'mydb' });
    expect(replica.metadata.labels['sovereign.openova.io/role']).toBe('primary');
  });

  test('Sovereign-wide promotion applies to every pair unless a pair says otherwise', () => {
    const result = render(
      twoRegions({
        hotStandby: { enabled: true, replicaRegion: HEL, promoted: true },
        databases: [MYDB, { name: 'other', namespace: 'tenant-a', promoted: false }],
      }),
    );
    expect(result.cluster('mydb-replica').spec.replica.enabled).toBe(false);
    expect(result.cluster('other-replica').spec.replica.enabled).toBe(true);
  });

  test('distributed: both Clusters name the designated primary and list both members', () => {
    const result = paired({ topology: 'distributed' });
    const primary = result.cluster('mydb');
    const replica = result.cluster('mydb-replica');
    expect(primary.spec.replica).toEqual({ primary: 'mydb', source: 'mydb-replica', self: 'mydb' });
    expect(replica.spec.replica).toEqual({ primary: 'mydb', source: 'mydb', self: 'mydb-replica' });
    for (const cluster of [primary, replica]) {
      expect(cluster.spec.replica).not.toHaveProperty('enabled');
      expect(cluster.spec.externalClusters.map((e: any) => [e.name, e.connectionParameters.host])).toEqual([
        ['mydb', 'mydb-mesh'],
        ['mydb-replica', 'mydb-replica-mesh'],
      ]);
    }
    expect(replica.spec.managed.services.additional[0].serviceTemplate.metadata.name).toBe('mydb-replica-mesh');
    expect(result.services.map((s) => [s.region, s.object.metadata.name]).sort()).toEqual([
      [FSN, 'mydb-replica-mesh'],
      [HEL, 'mydb-mesh'],
    ]);
  });

  test('distributed + promoted without a token: only the old primary demotes; the standby waits', () => {
    const result = paired({ topology: 'distributed', promoted: true });
    expect(result.cluster('mydb').spec.replica).toEqual({ primary: 'mydb-replica', source: 'mydb-replica', self: 'mydb' });
    expect(result.cluster('mydb-replica').spec.replica).toEqual({ primary: 'mydb', source: 'mydb', self: 'mydb-replica' });
  });

  test('distributed + promoted + token: replica.primary moves to the standby, which carries the promotion token', () => {
    const result = paired({ topology: 'distributed', promoted: true, promotionToken: 'token-from-status' });
    expect(result.cluster('mydb').spec.replica).toEqual({ primary: 'mydb-replica', source: 'mydb-replica', self: 'mydb' });
    expect(result.cluster('mydb-replica').spec.replica).toEqual({ primary: 'mydb-replica', source: 'mydb', self: 'mydb-replica', promotionToken: 'token-from-status' });
  });

  test('the pair exposes the TLS hand-over the secrets layer renders', () => {
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [MYDB] })) });
    const [pair] = sovereign.databasePairs;
    expect(pair.tlsHandovers.map((h) => ({ ...h, from: RegionContext.of(h.from).region, to: RegionContext.of(h.to).region }))).toEqual([
      { from: FSN, to: HEL, namespace: 'tenant-a', clusterName: 'mydb', replicationSecret: 'mydb-replication', caSecret: 'mydb-ca', remoteKeyPrefix: 'sovereign/omantel/cnpg/tenant-a/mydb' },
    ]);
  });

  test('per-pair region overrides place a pair differently from the Sovereign default', () => {
    const result = render(threeRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [MYDB, { name: 'eu', namespace: 'tenant-a', replicaRegion: NBG }] }));
    expect(result.clusters.map((c) => [c.region, c.name])).toEqual([
      [FSN, 'mydb'],
      [FSN, 'eu'],
      [NBG, 'eu-replica'],
      [HEL, 'mydb-replica'],
    ]);
  });
});

describe('CnpgHotStandbyPair: snapshots', () => {
  const scenario = (database: Record<string, unknown>, enabled = true, extra: Partial<SovereignConfigInput> = {}) =>
    synthesizeSovereign(resolveSovereignConfig(twoRegions({ hotStandby: { enabled, replicaRegion: HEL }, databases: [{ ...MYDB, ...database } as any], ...extra })));

  // Every region of twoRegions() has an object store, so these are also the default durability output.
  test.each([
    ['single-cluster', {}, false, {}],
    ['pair', {}, true, {}],
    ['promoted pair', { promoted: true }, true, {}],
    ['distributed pair', { topology: 'distributed' }, true, {}],
    ['mesh disabled', { mesh: { enabled: false, externalHost: 'mydb.fsn.example.net' } }, true, {}],
    ['pair with a point-in-time restore', { restore: { targetTime: '2026-11-24T10:14:00Z' } }, true, {}],
    ['pair without object stores', {}, true, { regions: [{ name: FSN, clusterName: 'fsn' }, { name: HEL }] }],
  ])('%s', (_, database, enabled, extra) => {
    const output = scenario(database, enabled as boolean, extra);
    expectValidSovereign(output);
    expect(output.regions.map((r) => ({ region: r.region, objects: r.objects.filter((o) => o.metadata.namespace === MYDB.namespace) }))).toMatchSnapshot();
  });
});

describe('CnpgHotStandbyPair: validation', () => {
  function construct(overrides: Partial<CnpgHotStandbyPairProps>) {
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    const props: CnpgHotStandbyPairProps = { ...MYDB, primaryRegion: sovereign.regionChart(FSN), replicaRegion: sovereign.regionChart(HEL), ...overrides };
    return () => new CnpgHotStandbyPair(sovereign.regionChart(FSN), 'pair', props);
  }

  test('a 42-character name fits, and its replica is 50 characters', () => {
    const name = `a${'b'.repeat(41)}`;
    const result = render(twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ name, namespace: 'x' }] }));
    expect(result.clusters.map((c) => c.name.length)).toEqual([42, 50]);
  });

  test('fails when a name is longer than 42 characters, saying why, without truncating', () => {
    const name = `a${'b'.repeat(42)}`;
    expect(() => resolveSovereignConfig(twoRegions({ databases: [{ name, namespace: 'x' }] }))).toThrow(
      `databases[0].name: "${name}" has 43 characters; at most 42 are allowed so that "${name}-replica" fits CloudNativePG's 50-character Cluster name limit; choose a shorter name`,
    );
    expect(construct({ name })).toThrow(/has 43 characters; at most 42/);
  });

  test.each(['1db', 'My-db', 'db_1', 'db-'])('fails when the name %j is not DNS-1035', (name) => {
    expect(() => resolveSovereignConfig(twoRegions({ databases: [{ name, namespace: 'x' }] }))).toThrow(/is not a DNS-1035 label/);
    expect(construct({ name })).toThrow(/is not a DNS-1035 label/);
  });

  test('fails when a per-pair region is not a Sovereign region', () => {
    expect(() => resolveSovereignConfig(twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ ...MYDB, replicaRegion: 'hz-nowhere' }] }))).toThrow(
      `databases[0].replicaRegion: is not a region of this Sovereign; use one of: ${FSN}, ${HEL} (got "hz-nowhere")`,
    );
  });

  test('fails when a per-pair override makes both regions equal', () => {
    expect(() => resolveSovereignConfig(twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ ...MYDB, primaryRegion: HEL }] }))).toThrow(
      /databases\[0\]\.primaryRegion: the replica region must not equal the primary region/,
    );
    const other = new Sovereign(new App(), 'other', { config: resolveSovereignConfig(twoRegions({ name: 'other' })) });
    expect(construct({ replicaRegion: other.regionChart(HEL) })).toThrow('replicaRegion: must belong to the same Sovereign as primaryRegion (omantel, got other)');
    expect(construct({ replicaRegion: other.regionChart(FSN) })).toThrow(`replicaRegion: must differ from primaryRegion (${FSN})`);
  });

  test('fails when instances is below 1', () => {
    expect(() => resolveSovereignConfig(twoRegions({ databases: [{ ...MYDB, instances: 0 }] }))).toThrow('databases[0].instances: must be at least 1 (got 0)');
    expect(construct({ instances: 0 })).toThrow('instances: must be a whole number of at least 1 (got 0)');
  });

  test('fails when a storage size is not a quantity', () => {
    expect(() => resolveSovereignConfig(twoRegions({ databases: [{ ...MYDB, storage: { size: '10 GB' } }] }))).toThrow(/databases\[0\]\.storage\.size: must be a Kubernetes quantity/);
    expect(construct({ storageSize: '10 GB' })).toThrow('storageSize: "10 GB" is not a Kubernetes quantity');
  });

  test('fails when the mesh affinity is none', () => {
    expect(() => resolveSovereignConfig(twoRegions({ databases: [{ ...MYDB, mesh: { affinity: 'none' as any } }] }))).toThrow(
      /databases\[0\]\.mesh\.affinity: must be "local" or "remote"; "none" is refused because Cilium 1\.18\.10–1\.19 drops remote backends/,
    );
    expect(construct({ meshAffinity: 'none' as MeshAffinity })).toThrow(/meshAffinity: "none" is refused/);
  });

  test('fails when parameters set hot_standby', () => {
    expect(() => resolveSovereignConfig(twoRegions({ databases: [{ ...MYDB, parameters: { hot_standby: 'on' } }] }))).toThrow(/must not set hot_standby/);
    expect(construct({ parameters: { hot_standby: 'on' } })).toThrow(/hot_standby is managed by CloudNativePG/);
  });

  test('fails when the mesh is disabled without an external host', () => {
    expect(() => resolveSovereignConfig(twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ ...MYDB, mesh: { enabled: false } }] }))).toThrow(
      'databases[0].mesh.externalHost: is required when mesh.enabled is false',
    );
    expect(construct({ meshEnabled: false })).toThrow(/externalHost: is required when meshEnabled is false/);
  });

  test('fails when a promotion token is given outside a promoted distributed pair', () => {
    expect(() => resolveSovereignConfig(twoRegions({ databases: [{ ...MYDB, promotionToken: 't' }] }))).toThrow(/databases\[0\]\.promotionToken: is only used by a promoted pair/);
    expect(construct({ promotionToken: 't', topology: PairTopology.DISTRIBUTED })).toThrow(/promotionToken: is only used by a promoted pair/);
  });

  test('reports every problem at once', () => {
    expect(construct({ name: 'X', instances: 0, storageSize: 'big' })).toThrow(/name: .*\n.*instances: .*\n.*storageSize: /);
  });

  test('a construct-built pair validates like the config-built one', () => {
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    new CnpgHotStandbyPair(sovereign.regionChart(FSN), 'pair', { ...MYDB, primaryRegion: sovereign.regionChart(FSN), replicaRegion: sovereign.regionChart(HEL) });
    expectValidSovereign(synthesizeSovereign(sovereign));
  });
});
