import { App, Chart } from 'cdk8s';
import { CnpgHotStandbyPair, type CnpgHotStandbyPairProps, PairTopology } from '../../lib/cnpg/cnpg-hot-standby-pair';
import { backupIntervalSeconds, backupScheduleProblem } from '../../lib/cnpg/backup-schedule';
import { CnpgRecoveryCluster } from '../../lib/cnpg/cnpg-recovery-cluster';
import { parseCron } from '../../lib/common/cron-gap';
import { PINNED_POSTGRES_IMAGES } from '../../lib/cnpg/postgres-image';
import { RegionContext, RegionRole } from '../../lib/common/region-context';
import type { SovereignConfigInput } from '../../lib/sovereign/config-types';
import { Sovereign } from '../../lib/sovereign/sovereign';
import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { type KubeObject, type SovereignOutput, synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { FSN, HEL, NBG, objectStore, threeRegions, twoRegions } from '../helpers/configs';
import { expectValidManifests, expectValidSovereign } from '../helpers/manifests';

const MYDB = { name: 'mydb', namespace: 'tenant-a' };
const PAIR_LABEL = 'sovereign.openova.io/pair';
const PLUGIN = 'barman-cloud.cloudnative-pg.io';
// Each region's store names its own credentials Secret, so a test can tell whose credentials an ObjectStore uses.
const store = (region: string, extra: Record<string, unknown> = {}) => ({ ...objectStore(region), credentials: { secretName: `s3-${region}` }, ...extra });
// `null`: the region has no object store.
const regions = (fsn: Record<string, unknown> | null = {}, hel: Record<string, unknown> | null = {}) => [
  { name: FSN, clusterName: 'fsn', ...(fsn !== null ? { objectStore: store(FSN, fsn) } : {}) },
  { name: HEL, ...(hel !== null ? { objectStore: store(HEL, hel) } : {}) },
];

interface Placed {
  readonly region: string;
  readonly object: any;
}

function render(config: SovereignConfigInput, options: { strict?: boolean } = {}) {
  const output = synthesizeSovereign(resolveSovereignConfig(config, options));
  expectValidSovereign(output);
  return view(output);
}

function view(output: SovereignOutput) {
  const all: Placed[] = output.regions.flatMap((r) => r.objects.map((object: KubeObject) => ({ region: r.region, object })));
  const of = (kind: string) => all.filter((e) => e.object.kind === kind);
  const find = (kind: string, region: string, name: string) =>
    of(kind).find((e) => e.region === region && e.object.metadata.name === name)?.object ?? fail(`no ${kind} ${name} in ${region}`);
  return {
    output,
    all,
    of,
    find,
    cluster: (name: string) => of('Cluster').find((e) => e.object.metadata.name === name)?.object ?? fail(`no Cluster ${name}`),
    // `region/name` of every Cluster that archives WAL, per pair.
    archivers: (pair: string) =>
      of('Cluster')
        .filter((e) => e.object.metadata.labels[PAIR_LABEL] === pair)
        .flatMap((e) => (e.object.spec.plugins ?? []).filter((p: any) => p.isWALArchiver === true).map((p: any) => ({ region: e.region, cluster: e.object.metadata.name, plugin: p }))),
    names: (kind: string) => of(kind).map((e) => `${e.region}/${e.object.metadata.name}`).sort(),
  };
}

function fail(message: string): never {
  throw new Error(message);
}

const paired = (database: Record<string, unknown> = {}, extra: Partial<SovereignConfigInput> = {}) =>
  render(twoRegions({ regions: regions(), hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ ...MYDB, ...database } as any], ...extra }));

describe('database durability: WAL archive and base backups through the Barman Cloud plugin', () => {
  test('the primary archives WAL into its region\'s ObjectStore, under its own name', () => {
    // GIVEN a pair whose regions both have an object store WHEN it renders
    const result = paired();
    // THEN the primary names the plugin as its one WAL archiver, its ObjectStore and its server name
    expect(result.cluster('mydb').spec.plugins).toEqual([{ name: PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: 'mydb-store', serverName: 'mydb' } }]);
    expect(result.archivers('mydb')).toEqual([expect.objectContaining({ region: FSN, cluster: 'mydb' })]);
    // AND that ObjectStore points at the region's bucket, folder <path>/<namespace>/, credentials by reference only
    expect(result.find('ObjectStore', FSN, 'mydb-store').spec).toEqual({
      configuration: {
        destinationPath: `s3://backups-${FSN}/omantel/tenant-a/`,
        endpointURL: `https://${FSN}.objects.example`,
        s3Credentials: { accessKeyId: { name: `s3-${FSN}`, key: 'ACCESS_KEY_ID' }, secretAccessKey: { name: `s3-${FSN}`, key: 'ACCESS_SECRET_KEY' } },
      },
      retentionPolicy: '30d',
    });
  });

  test('the archiver takes scheduled base backups through the plugin, daily at midnight by default', () => {
    const result = paired();
    expect(result.names('ScheduledBackup')).toEqual([`${FSN}/mydb-backup`]);
    expect(result.find('ScheduledBackup', FSN, 'mydb-backup').spec).toEqual({
      cluster: { name: 'mydb' },
      method: 'plugin',
      pluginConfiguration: { name: PLUGIN },
      schedule: '0 0 0 * * *',
      immediate: true,
      backupOwnerReference: 'self',
    });
    expect(paired({ backup: { schedule: '0 30 2 * * 0' } }).find('ScheduledBackup', FSN, 'mydb-backup').spec.schedule).toBe('0 30 2 * * 0');
  });

  test('the replica\'s source is hybrid: streaming over the mesh and the primary\'s archive, read with the replica region\'s credentials', () => {
    const result = paired();
    const replica = result.cluster('mydb-replica');
    expect(replica.spec.plugins).toBeUndefined();
    expect(replica.spec.bootstrap).toEqual({ pg_basebackup: { source: 'mydb', database: 'app', owner: 'app' } });
    expect(replica.spec.externalClusters).toHaveLength(1);
    expect(replica.spec.externalClusters[0]).toMatchObject({
      name: 'mydb',
      connectionParameters: { host: 'mydb-mesh', user: 'streaming_replica', sslmode: 'verify-full' },
      plugin: { name: PLUGIN, parameters: { barmanObjectName: 'mydb-store', serverName: 'mydb' } },
    });
    // The ObjectStore it names exists in the replica region, points at the PRIMARY's bucket and uses the replica's Secret,
    // without retention (only the archiver enforces retention).
    expect(result.find('ObjectStore', HEL, 'mydb-store').spec).toEqual({
      configuration: {
        destinationPath: `s3://backups-${FSN}/omantel/tenant-a/`,
        endpointURL: `https://${FSN}.objects.example`,
        s3Credentials: { accessKeyId: { name: `s3-${HEL}`, key: 'ACCESS_KEY_ID' }, secretAccessKey: { name: `s3-${HEL}`, key: 'ACCESS_SECRET_KEY' } },
      },
    });
    // And the replica's own store waits for a promotion.
    expect(result.find('ObjectStore', HEL, 'mydb-replica-store').spec.configuration.destinationPath).toBe(`s3://backups-${HEL}/omantel/tenant-a/`);
    expect(result.names('ObjectStore')).toEqual([`${FSN}/mydb-store`, `${HEL}/mydb-replica-store`, `${HEL}/mydb-store`]);
  });

  test('after a confirmed promotion the new primary archives to its own region\'s store, and the old one no longer does', () => {
    const result = paired({ promoted: true });
    expect(result.archivers('mydb')).toEqual([
      { region: HEL, cluster: 'mydb-replica', plugin: { name: PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: 'mydb-replica-store', serverName: 'mydb-replica' } } },
    ]);
    expect(result.cluster('mydb').spec.plugins).toBeUndefined();
    expect(result.names('ScheduledBackup')).toEqual([`${HEL}/mydb-replica-backup`]);
    expect(result.find('ObjectStore', HEL, 'mydb-replica-store').spec).toMatchObject({ configuration: { destinationPath: `s3://backups-${HEL}/omantel/tenant-a/` }, retentionPolicy: '30d' });
  });

  test('distributed: the designated primary archives until the standby takes over with the token', () => {
    const archiverOf = (database: Record<string, unknown>) => paired({ topology: 'distributed', ...database }).archivers('mydb').map((a) => `${a.region}/${a.cluster}`);
    expect(archiverOf({})).toEqual([`${FSN}/mydb`]);
    // Demoting: the old primary still archives, so its shutdown checkpoint's .partial WAL reaches the archive
    // (docs/src/replica_cluster.md, "Demoting a Primary to a Replica Cluster").
    expect(archiverOf({ promoted: true })).toEqual([`${FSN}/mydb`]);
    expect(archiverOf({ promoted: true, promotionToken: 'token' })).toEqual([`${HEL}/mydb-replica`]);
  });

  test('distributed: each member reads the other\'s archive, so either can catch up after a switchover', () => {
    const result = paired({ topology: 'distributed' });
    for (const [name, region] of [['mydb', FSN], ['mydb-replica', HEL]]) {
      expect(result.cluster(name).spec.externalClusters.map((e: any) => [e.name, e.plugin?.parameters])).toEqual([
        ['mydb', { barmanObjectName: 'mydb-store', serverName: 'mydb' }],
        ['mydb-replica', { barmanObjectName: 'mydb-replica-store', serverName: 'mydb-replica' }],
      ]);
      expect(result.find('ObjectStore', region, 'mydb-store').spec.configuration.destinationPath).toBe(`s3://backups-${FSN}/omantel/tenant-a/`);
      expect(result.find('ObjectStore', region, 'mydb-replica-store').spec.configuration.destinationPath).toBe(`s3://backups-${HEL}/omantel/tenant-a/`);
    }
  });

  test.each([
    ['2 regions, replicaCluster', twoRegions, {}],
    ['2 regions, promoted', twoRegions, { promoted: true }],
    ['2 regions, distributed', twoRegions, { topology: 'distributed' }],
    ['2 regions, distributed, demoting', twoRegions, { topology: 'distributed', promoted: true }],
    ['2 regions, distributed, taken over', twoRegions, { topology: 'distributed', promoted: true, promotionToken: 't' }],
    ['3 regions, replicaCluster', threeRegions, {}],
    ['3 regions, promoted', threeRegions, { promoted: true }],
    ['3 regions, distributed, taken over', threeRegions, { topology: 'distributed', promoted: true, promotionToken: 't' }],
  ])('%s: every database has exactly one WAL archiver, its backups and stores exist, and both Clusters run one image', (_, make, database) => {
    // GIVEN several pairs spread over the regions
    const result = render(
      make({
        hotStandby: { enabled: true, replicaRegion: HEL },
        databases: [
          { ...MYDB, ...database } as any,
          { name: 'eu', namespace: 'tenant-a', replicaRegion: make === threeRegions ? NBG : HEL, ...database } as any,
          { name: 'solo', namespace: 'tenant-b', primaryRegion: HEL, replicaRegion: FSN } as any,
        ],
      }),
    );
    for (const pair of ['mydb', 'eu', 'solo']) {
      // THEN exactly one Cluster archives
      const archivers = result.archivers(pair);
      expect(archivers).toHaveLength(1);
      const [{ region, cluster, plugin }] = archivers;
      // AND its ObjectStore exists in its region and namespace, and so does its ScheduledBackup
      const clusterObject = result.find('Cluster', region, cluster);
      expect(result.find('ObjectStore', region, plugin.parameters.barmanObjectName).metadata.namespace).toBe(clusterObject.metadata.namespace);
      const backups = result.of('ScheduledBackup').filter((e) => e.object.metadata.labels[PAIR_LABEL] === pair);
      expect(backups.map((e) => [e.region, e.object.spec.cluster.name])).toEqual([[region, cluster]]);
      // AND every archive a replica reads is an ObjectStore of its own region
      for (const { region: r, object } of result.of('Cluster').filter((e) => e.object.metadata.labels[PAIR_LABEL] === pair)) {
        for (const external of object.spec.externalClusters ?? []) {
          if (external.plugin !== undefined) result.find('ObjectStore', r, external.plugin.parameters.barmanObjectName);
        }
      }
      // AND both Clusters run the same pinned image
      const images = new Set(result.of('Cluster').filter((e) => e.object.metadata.labels[PAIR_LABEL] === pair).map((e) => e.object.spec.imageName));
      expect([...images]).toEqual([PINNED_POSTGRES_IMAGES[16]]);
    }
  });

  test('a region without an object store renders as before: no plugin, no ObjectStore, no ScheduledBackup', () => {
    const result = render(twoRegions({ regions: regions(null, null), hotStandby: { enabled: true, replicaRegion: HEL }, databases: [MYDB] }));
    expect(result.of('ObjectStore')).toEqual([]);
    expect(result.of('ScheduledBackup')).toEqual([]);
    expect(result.archivers('mydb')).toEqual([]);
    expect(result.cluster('mydb-replica').spec.externalClusters[0].plugin).toBeUndefined();
    expect(result.output.warnings).toEqual([expect.stringContaining('database tenant-a/mydb (region hz-fsn-rtz-prod: no WAL archive, no base backups)')]);
  });

  test('a replica region without a store streams only (it has no credentials to read the archive with)', () => {
    const result = render(twoRegions({ regions: regions({}, null), hotStandby: { enabled: true, replicaRegion: HEL }, databases: [MYDB] }));
    expect(result.archivers('mydb').map((a) => a.cluster)).toEqual(['mydb']);
    expect(result.cluster('mydb-replica').spec.externalClusters[0].plugin).toBeUndefined();
    expect(result.names('ObjectStore')).toEqual([`${FSN}/mydb-store`]);
  });

  test('a primary region without a store: nothing archives, and the replica\'s own store waits for a promotion', () => {
    const result = render(twoRegions({ regions: regions(null, {}), hotStandby: { enabled: true, replicaRegion: HEL }, databases: [MYDB] }));
    expect(result.archivers('mydb')).toEqual([]);
    expect(result.names('ObjectStore')).toEqual([`${HEL}/mydb-replica-store`]);
    expect(render(twoRegions({ regions: regions(null, {}), hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ ...MYDB, promoted: true }] })).archivers('mydb')).toHaveLength(1);
  });

  test('the single-Cluster shape archives and backs up too', () => {
    const result = render(twoRegions({ regions: regions(), databases: [MYDB] }));
    expect(result.archivers('mydb').map((a) => `${a.region}/${a.cluster}`)).toEqual([`${FSN}/mydb`]);
    expect(result.names('ObjectStore')).toEqual([`${FSN}/mydb-store`]);
    expect(result.names('ScheduledBackup')).toEqual([`${FSN}/mydb-backup`]);
  });

  test('a store\'s CA, key names, region and retention reach every ObjectStore that uses it', () => {
    const custom = { caBundle: { secretName: 'fsn-ca', key: 'bundle.pem' }, s3Region: 'eu-central', retention: { databases: '6w' }, credentials: { secretName: 's3', accessKeyIdKey: 'id', secretAccessKeyKey: 'key' } };
    const result = paired({}, { regions: regions(custom, { s3Region: 'eu-central' }) });
    const own = result.find('ObjectStore', FSN, 'mydb-store').spec;
    expect(own.configuration.endpointCA).toEqual({ name: 'fsn-ca', key: 'bundle.pem' });
    expect(own.configuration.s3Credentials.accessKeyId).toEqual({ name: 's3', key: 'id' });
    expect(own.retentionPolicy).toBe('6w');
    expect(own.instanceSidecarConfiguration).toEqual({ env: [{ name: 'AWS_DEFAULT_REGION', value: 'eu-central' }] });
    // The replica region's copy reaches P's endpoint, so it needs P's CA (a Secret of that name in R's namespace).
    expect(result.find('ObjectStore', HEL, 'mydb-store').spec.configuration.endpointCA).toEqual({ name: 'fsn-ca', key: 'bundle.pem' });
  });
});

describe('database durability: pinned images', () => {
  test('the default image is a full version CloudNativePG 1.30.0 tests, the same in both regions', () => {
    const result = paired();
    expect(result.cluster('mydb').spec.imageName).toBe('ghcr.io/cloudnative-pg/postgresql:16.14-system-trixie');
    expect(result.cluster('mydb-replica').spec.imageName).toBe(result.cluster('mydb').spec.imageName);
    expect(paired({ postgresMajor: 17 }).cluster('mydb-replica').spec.imageName).toBe('ghcr.io/cloudnative-pg/postgresql:17.10-system-trixie');
  });

  test.each([
    'ghcr.io/cloudnative-pg/postgresql:16.14',
    'registry.example:5000/pg/postgresql:17.6-postgis-3.5',
    `ghcr.io/cloudnative-pg/postgresql:16.14-system-trixie@sha256:${'a'.repeat(64)}`,
  ])('a pinned image %s is used by both Clusters', (imageName) => {
    const result = paired({ imageName });
    expect([result.cluster('mydb').spec.imageName, result.cluster('mydb-replica').spec.imageName]).toEqual([imageName, imageName]);
  });

  test.each([
    ['a floating major', 'ghcr.io/cloudnative-pg/postgresql:16', /has the floating tag "16", which lets the two regions of a pair run different PostgreSQL minors/],
    ['latest', 'ghcr.io/cloudnative-pg/postgresql:latest', /has the floating tag "latest"/],
    ['no tag', 'ghcr.io/cloudnative-pg/postgresql', /has no tag; CloudNativePG reads the PostgreSQL version from the tag/],
    ['only a digest', `ghcr.io/cloudnative-pg/postgresql@sha256:${'a'.repeat(64)}`, /has no tag/],
    ['a floating flavour', 'ghcr.io/cloudnative-pg/postgresql:16-system-trixie', /has the floating tag "16-system-trixie"/],
  ])('fails when the image has %s', (_, imageName, message) => {
    expect(() => resolveSovereignConfig(twoRegions({ databases: [{ ...MYDB, imageName }] }))).toThrow(new RegExp(`databases\\[0\\]\\.imageName: "[^"]+" ${message.source}`));
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    expect(() => new CnpgHotStandbyPair(sovereign.regionChart(FSN), 'pair', { ...MYDB, primaryRegion: sovereign.regionChart(FSN), imageName })).toThrow(
      new RegExp(`imageName: "[^"]+" ${message.source}`),
    );
  });

  test('fails when a major has no pinned default and no image is named', () => {
    expect(() => resolveSovereignConfig(twoRegions({ databases: [{ ...MYDB, postgresMajor: 13 }] }))).toThrow(
      'databases[0].postgresMajor: has no pinned default image (CloudNativePG 1.30.0 tests 14, 15, 16, 17, 18); set imageName to a full version of PostgreSQL 13 (got 13)',
    );
    expect(resolveSovereignConfig(twoRegions({ databases: [{ ...MYDB, postgresMajor: 13, imageName: 'ghcr.io/cloudnative-pg/postgresql:13.22' }] })).databases[0].imageName).toBe(
      'ghcr.io/cloudnative-pg/postgresql:13.22',
    );
  });

  test('the pair API has one image for both Clusters, so the regions cannot be given two', () => {
    // There is no per-Cluster image prop: the only way to set an image sets it for both (checked at the type level).
    const props: CnpgHotStandbyPairProps = { ...MYDB, primaryRegion: new Chart(new App(), 'x'), imageName: PINNED_POSTGRES_IMAGES[17] };
    expect(Object.keys(props).filter((k) => /image/i.test(k))).toEqual(['imageName']);
  });
});

describe('database durability: configuration errors', () => {
  test('the backup interval read without cron-parser agrees with the walk of cron-parser, and monthly gaps are the longest month', () => {
    // GIVEN cron-parser's own walk, the reference the daily fast path replaces
    const walked = (schedule: string) => {
      const runs = parseCron(schedule);
      let previous = runs.next().getTime();
      let longest = 0;
      for (let run = 0; previous < Date.parse('2026-02-02T00:00:00Z') && run < 5000; run++) {
        const next = runs.next().getTime();
        longest = Math.max(longest, next - previous);
        previous = next;
      }
      return longest / 1000;
    };
    // THEN the daily forms the fast path reads give cron-parser's answer
    for (const schedule of ['0 0 0 * * *', '30 15 2 * * *', '0 0 */6 * * *', '0 */30 * * * *', '0 0 1,13 * * *']) {
      expect([schedule, backupIntervalSeconds(schedule)]).toEqual([schedule, walked(schedule)]);
    }
    // AND weekly and monthly ones, which cron-parser walks, give the gaps worked out by hand
    expect(backupIntervalSeconds('0 0 3 * * 0')).toBe(7 * 86400);
    expect(backupIntervalSeconds('0 0 0 1 * *')).toBe(31 * 86400); // e.g. March to April 2026
    expect(backupIntervalSeconds('0 0 9-17 * * 1-5')).toBe(64 * 3600); // Friday 17:00 to Monday 09:00
    // AND a bad schedule the fast path cannot read still fails as cron-parser does
    expect(backupScheduleProblem('0 0 25 * * *')).toMatch(/is not a valid cron expression/);
    expect(backupScheduleProblem('0 0 0 32 * *')).toMatch(/is not a valid cron expression/);
  });

  test('fails when the backup schedule has five fields (CNPG would read the first as seconds)', () => {
    expect(() => resolveSovereignConfig(twoRegions({ databases: [{ ...MYDB, backup: { schedule: '0 2 * * *' } }] }))).toThrow(
      /databases\[0\]\.backup\.schedule: "0 2 \* \* \*" must be a six-field cron expression, seconds first/,
    );
    expect(() => resolveSovereignConfig(twoRegions({ databases: [{ ...MYDB, backup: { schedule: '* 0 2 * * *' } }] }))).toThrow(/the first \(seconds\) field must be a single number/);
  });

  test('fails when the two regions of a pair name different S3 regions (one sidecar environment serves both stores)', () => {
    expect(() => paired({}, { regions: regions({ s3Region: 'eu-central' }, {}) })).toThrow(/regions\[1\]\.objectStore\.s3Region: differs from regions\[0\]\.objectStore\.s3Region \("eu-central"\), and database tenant-a\/mydb has its replica here/);
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    const [fsn, hel] = [sovereign.regionChart(FSN), sovereign.regionChart(HEL)];
    expect(
      () => new CnpgHotStandbyPair(fsn, 'pair', { ...MYDB, primaryRegion: fsn, replicaRegion: hel, primaryObjectStore: { ...store(FSN), path: 'o', s3Region: 'eu-central' }, replicaObjectStore: { ...store(HEL), path: 'o' } }),
    ).toThrow(/replicaObjectStore\.s3Region: undefined differs from primaryObjectStore\.s3Region "eu-central"/);
  });

  test('fails when a store names no credentials Secret', () => {
    expect(() => resolveSovereignConfig(twoRegions({ regions: [{ name: FSN, objectStore: { endpoint: `https://${FSN}.example`, bucket: 'b-fsn' } as any }, { name: HEL }] }))).toThrow(
      /regions\[0\]\.objectStore\.credentials: is required/,
    );
    const chart = new Chart(new App(), 'fsn');
    RegionContext.provide(chart, { sovereign: 'omantel', region: FSN, trustDomain: 'omantel.example' });
    const { credentials, ...noCredentials } = { ...objectStore(FSN), path: 'omantel' };
    expect(credentials.secretName).toBe('backup-s3');
    expect(() => new CnpgHotStandbyPair(chart, 'pair', { ...MYDB, primaryRegion: chart, primaryObjectStore: noCredentials as any })).toThrow(
      /primaryObjectStore\.credentials: is required; name the Secret holding the S3 credentials \(never the values\)/,
    );
  });
});

describe('database durability: restore into a new Cluster', () => {
  test('targetTime: a new Cluster recovers the primary\'s archive to that moment, beside the pair', () => {
    const result = paired({ restore: { targetTime: '2026-11-24T10:14:00Z' } });
    const restored = result.find('Cluster', FSN, 'mydb-restore');
    expect(restored.spec.bootstrap).toEqual({ recovery: { source: 'mydb', database: 'app', owner: 'app', recoveryTarget: { targetTime: '2026-11-24T10:14:00Z' } } });
    expect(restored.spec.externalClusters).toEqual([{ name: 'mydb', plugin: { name: PLUGIN, parameters: { barmanObjectName: 'mydb-restore-source', serverName: 'mydb' } } }]);
    expect(restored.spec.imageName).toBe(result.cluster('mydb').spec.imageName);
    // It archives nothing and takes no backups: creating and deleting it touches no archive.
    expect(restored.spec.plugins).toBeUndefined();
    expect(result.names('ScheduledBackup')).toEqual([`${FSN}/mydb-backup`]);
    expect(result.find('ObjectStore', FSN, 'mydb-restore-source').spec).toEqual({
      configuration: {
        destinationPath: `s3://backups-${FSN}/omantel/tenant-a/`,
        endpointURL: `https://${FSN}.objects.example`,
        s3Credentials: { accessKeyId: { name: `s3-${FSN}`, key: 'ACCESS_KEY_ID' }, secretAccessKey: { name: `s3-${FSN}`, key: 'ACCESS_SECRET_KEY' } },
      },
    });
    // It is protected like the pair's Clusters and scraped.
    expect(result.find('CiliumNetworkPolicy', FSN, 'mydb-restore-ingress').spec.endpointSelector.matchLabels).toEqual({ 'cnpg.io/cluster': 'mydb-restore', 'cnpg.io/podRole': 'instance' });
    result.find('PodMonitor', FSN, 'mydb-restore');
    expect(result.output.databases[0]).toMatchObject({ restoreCluster: 'mydb-restore' });
  });

  test('backupId: exactly that base backup, consistent and nothing after it', () => {
    const restored = paired({ restore: { backupId: '20261124T000012', name: 'mydb-monday' } }).find('Cluster', FSN, 'mydb-monday');
    expect(restored.spec.bootstrap.recovery.recoveryTarget).toEqual({ backupID: '20261124T000012', targetImmediate: true });
  });

  test('no target: the end of the archive; a replica-region restore reads the primary\'s archive with the replica\'s credentials', () => {
    const result = paired({ restore: { region: HEL } });
    const restored = result.find('Cluster', HEL, 'mydb-restore');
    expect(restored.spec.bootstrap.recovery).toEqual({ source: 'mydb', database: 'app', owner: 'app' });
    expect(restored.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values).toEqual([HEL]);
    expect(result.find('ObjectStore', HEL, 'mydb-restore-source').spec.configuration).toMatchObject({
      destinationPath: `s3://backups-${FSN}/omantel/tenant-a/`,
      s3Credentials: { accessKeyId: { name: `s3-${HEL}` } },
    });
  });

  test('after a promotion the restore reads the new primary\'s archive; fromPath reads an older folder (a rebuilt Sovereign)', () => {
    const promoted = paired({ promoted: true, restore: {} });
    expect(promoted.find('Cluster', HEL, 'mydb-restore').spec.externalClusters[0].plugin.parameters).toEqual({ barmanObjectName: 'mydb-restore-source', serverName: 'mydb-replica' });
    const older = paired({ restore: { fromCluster: 'mydb', fromPath: 'omantel-2025' } });
    expect(older.find('ObjectStore', FSN, 'mydb-restore-source').spec.configuration.destinationPath).toBe(`s3://backups-${FSN}/omantel-2025/tenant-a/`);
  });

  test.each([
    [{ backupId: '20261124T000012', targetTime: '2026-11-24T10:14:00Z' }, /databases\[0\]\.restore\.targetTime: give one of them: backupId restores exactly that base backup/],
    [{ targetTime: '24.11.2026 10:14' }, /databases\[0\]\.restore\.targetTime: "24\.11\.2026 10:14" must be an RFC 3339 time with an offset/],
    [{ backupId: 'monday' }, /databases\[0\]\.restore\.backupId: "monday" is not a Barman backup ID/],
    [{ fromCluster: 'other' }, /databases\[0\]\.restore\.fromCluster: is not a Cluster of this pair; use one of: mydb, mydb-replica/],
    [{ name: 'mydb' }, /databases\[0\]\.restore\.name: is a Cluster of the pair/],
    [{ region: NBG }, /databases\[0\]\.restore\.region: is not a region of this pair/],
  ])('fails when restore is %j', (restore, message) => {
    expect(() => resolveSovereignConfig(threeRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ ...MYDB, restore } as any] }))).toThrow(message);
  });

  test('fails when the archive or the restore region has no object store (a missing store reference)', () => {
    expect(() => resolveSovereignConfig(twoRegions({ regions: regions(null, {}), hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ ...MYDB, restore: { fromCluster: 'mydb' } }] }))).toThrow(
      `databases[0].restore.fromCluster: mydb runs in ${FSN}, which has no objectStore, so there is no archive to restore`,
    );
    expect(() => resolveSovereignConfig(twoRegions({ regions: regions({}, null), hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ ...MYDB, restore: { region: HEL } }] }))).toThrow(
      'databases[0].restore.region: has no objectStore, so there are no credentials to read the archive with',
    );
    // The construct refuses the same when it is composed by hand.
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions({ regions: regions(null, null) })) });
    const fsn = sovereign.regionChart(FSN);
    expect(() => new CnpgHotStandbyPair(fsn, 'pair', { ...MYDB, primaryRegion: fsn, restore: {} })).toThrow(/restore\.fromCluster: no Cluster of the pair archives/);
  });
});

describe('database durability: monitoring', () => {
  test('every Cluster gets a PodMonitor on the metrics port, and the policy admits Prometheus on 9187', () => {
    const result = paired();
    expect(result.names('PodMonitor')).toEqual([`${FSN}/mydb`, `${HEL}/mydb-replica`]);
    expect(result.find('PodMonitor', FSN, 'mydb')).toMatchObject({
      metadata: { namespace: 'tenant-a', labels: { release: 'kube-prometheus-stack' } },
      spec: { selector: { matchLabels: { 'cnpg.io/cluster': 'mydb', 'cnpg.io/podRole': 'instance' } }, podMetricsEndpoints: [{ port: 'metrics' }] },
    });
    const ingress = result.find('CiliumNetworkPolicy', FSN, 'mydb-ingress').spec.ingress;
    expect(ingress).toContainEqual({ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'monitoring', 'io.cilium.k8s.policy.cluster': 'fsn' } }], toPorts: [{ ports: [{ port: '9187', protocol: 'TCP' }] }] });
  });

  test('the archiver watches its archive and backups, the replica its lag', () => {
    const rules = (result: ReturnType<typeof paired>, region: string, name: string) => result.find('PrometheusRule', region, `${name}-durability`).spec.groups[0].rules.map((r: any) => r.alert);
    const result = paired();
    expect(rules(result, FSN, 'mydb')).toEqual(['CnpgMetricsAbsent', 'CnpgWalArchiveStale', 'CnpgBaseBackupStale', 'CnpgBaseBackupNeverSucceeded', 'CnpgBaseBackupFailed']);
    expect(rules(result, HEL, 'mydb-replica')).toEqual(['CnpgMetricsAbsent', 'CnpgReplicaLagging', 'CnpgReplicaNotStreaming']);
    // After the promotion the replica archives and the old primary, to be rebuilt, watches nothing.
    const promoted = paired({ promoted: true });
    expect(rules(promoted, HEL, 'mydb-replica')).toEqual(['CnpgMetricsAbsent', 'CnpgWalArchiveStale', 'CnpgBaseBackupStale', 'CnpgBaseBackupNeverSucceeded', 'CnpgBaseBackupFailed']);
    expect(promoted.names('PrometheusRule').filter((n) => n.includes('mydb'))).toEqual([`${HEL}/mydb-replica-durability`]);
  });

  test('rules and PodMonitors are optional and their selector labels configurable', () => {
    const off = paired({ alerts: { enabled: false }, podMonitor: { enabled: false } });
    expect(off.of('PodMonitor')).toEqual([]);
    expect(off.names('PrometheusRule').filter((n) => n.includes('mydb'))).toEqual([]);
    // Without a PodMonitor nothing opens 9187.
    expect(JSON.stringify(off.find('CiliumNetworkPolicy', FSN, 'mydb-ingress').spec)).not.toContain('9187');
    const custom = paired({ alerts: { ruleLabels: { prometheus: 'platform' } }, podMonitor: { labels: { prometheus: 'platform' } }, networkPolicy: { metricsNamespace: 'observability' } });
    expect(custom.find('PrometheusRule', FSN, 'mydb-durability').metadata.labels).toMatchObject({ prometheus: 'platform' });
    expect(custom.find('PrometheusRule', FSN, 'mydb-durability').metadata.labels.release).toBeUndefined();
    expect(custom.find('PodMonitor', FSN, 'mydb').metadata.labels).toMatchObject({ prometheus: 'platform' });
    expect(JSON.stringify(custom.find('CiliumNetworkPolicy', FSN, 'mydb-ingress').spec)).toContain('"k8s:io.kubernetes.pod.namespace":"observability"');
  });
});

describe('database durability: composed by hand', () => {
  test('a pair in a user chart with RegionContext.provide takes its stores as props', () => {
    // GIVEN two plain charts with region contexts and explicit object stores
    const app = new App();
    const context = (id: string, region: string, clusterName: string) => {
      const chart = new Chart(app, id);
      RegionContext.provide(chart, {
        sovereign: 'omantel',
        region,
        clusterName,
        trustDomain: 'omantel.example',
        role: region === FSN ? RegionRole.PRIMARY : RegionRole.REPLICA,
        primaryRegion: FSN,
        peerClusterNames: [region === FSN ? HEL : 'fsn'],
      });
      return chart;
    };
    const fsn = context('fsn', FSN, 'fsn');
    const hel = context('hel', HEL, HEL);
    // WHEN a pair is composed with them
    const pair = new CnpgHotStandbyPair(fsn, 'orders', {
      name: 'orders-db',
      namespace: 'orders',
      primaryRegion: fsn,
      replicaRegion: hel,
      primaryObjectStore: { ...store(FSN), path: 'omantel' },
      replicaObjectStore: { ...store(HEL), path: 'omantel' },
      topology: PairTopology.REPLICA_CLUSTER,
    });
    // THEN it archives like the config-built one
    expect(pair.walArchiverClusterName).toBe('orders-db');
    expect(pair.walArchiveDestination).toBe(`s3://backups-${FSN}/omantel/orders/`);
    const result = view(synthesizeSovereign(app));
    expectValidSovereign(result.output);
    expect(result.archivers('orders-db')).toHaveLength(1);
    expect(result.cluster('orders-db-replica').spec.externalClusters[0].plugin.parameters.barmanObjectName).toBe('orders-db-store');
  });

  test('CnpgRecoveryCluster restores an archive on its own', () => {
    const chart = new Chart(new App(), 'fsn');
    RegionContext.provide(chart, { sovereign: 'omantel', region: FSN, trustDomain: 'omantel.example' });
    new CnpgRecoveryCluster(chart, 'restore', {
      name: 'orders-restore',
      namespace: 'orders',
      sourceClusterName: 'orders-db',
      sourceObjectStore: { ...store(FSN), path: 'omantel' },
      targetTime: '2026-11-24T10:14:00+01:00',
      imageName: PINNED_POSTGRES_IMAGES[16],
    });
    const objects = chart.toJson();
    expectValidManifests(objects);
    expect(objects.map((o: any) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'CiliumNetworkPolicy/orders-restore-ingress',
      'Cluster/orders-restore',
      'Namespace/orders',
      'ObjectStore/orders-restore-source',
      'PodMonitor/orders-restore',
    ]);
    expect(() => new CnpgRecoveryCluster(chart, 'bad', { name: 'orders-db', namespace: 'orders', sourceClusterName: 'orders-db', sourceObjectStore: { ...store(FSN), path: 'omantel' }, imageName: 'postgres:16' })).toThrow(
      /name: "orders-db" is the Cluster being restored[\s\S]*imageName: "postgres:16" has the floating tag "16"/,
    );
  });
});
