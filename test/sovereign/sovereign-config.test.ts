import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { plainYaml, YAML_OPTIONS } from '../../lib/output/plain-yaml';
import { readPlainYaml } from '../../lib/output/plain-yaml-reader';
import { SovereignConfigError } from '../../lib/sovereign/config-error';
import { loadSovereignConfig, resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { EXAMPLES, FSN, HEL, OMANTEL_YAML, objectStore, twoRegions } from '../helpers/configs';

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SovereignConfigError);
    return (error as SovereignConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected a SovereignConfigError');
}

function tempFile(name: string, content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sovereign-config-')), name);
  writeFileSync(file, content);
  return file;
}

describe('Sovereign config', () => {
  test('a region without an object store still renders, with a warning naming what is not backed up; --strict refuses it', () => {
    const noStores = { name: 'omantel', domain: 'omantel.example', regions: [{ name: FSN }, { name: HEL, objectStore: objectStore(HEL) }], primaryRegion: FSN, databases: [{ name: 'db', namespace: 'apps' }] };
    expect(resolveSovereignConfig(noStores).warnings).toEqual([
      `not backed up, because its region has no objectStore: OpenBao (primary region ${FSN}: no Raft snapshots off-site); database apps/db (region ${FSN}: no WAL archive, no base backups)`,
    ]);
    expect(() => resolveSovereignConfig(noStores, { strict: true })).toThrow(`regions[].objectStore: not backed up, because its region has no objectStore`);
    expect(() => resolveSovereignConfig(noStores, { strict: true })).toThrow(`configure an objectStore for ${FSN}`);
  });

  test('the not-backed-up report names the writer the pair renders: a distributed pair promoted without its token still writes in the primary region', () => {
    // GIVEN the primary region without a store and the replica region with one
    const regions = [{ name: FSN }, { name: HEL, objectStore: objectStore(HEL) }];
    const database = { name: 'db', namespace: 'apps', topology: 'distributed', promoted: true };
    const config = (extra: Record<string, unknown>) => ({ name: 'omantel', domain: 'omantel.example', regions, primaryRegion: HEL, hotStandby: { enabled: true, primaryRegion: FSN, replicaRegion: HEL }, databases: [{ ...database, ...extra }] });
    // THEN without the token the primary still archives, and is reported; with it the replica archives, to its store
    expect(resolveSovereignConfig(config({})).warnings).toEqual([`not backed up, because its region has no objectStore: database apps/db (region ${FSN}: no WAL archive, no base backups)`]);
    expect(resolveSovereignConfig(config({ promotionToken: 't' })).warnings).toEqual([]);
  });

  test('--strict names exactly the regions that need a store, also when one region name contains another', () => {
    const config = { name: 'omantel', domain: 'omantel.example', regions: [{ name: 'fsn-2' }, { name: 'fsn' }], primaryRegion: 'fsn-2' };
    expect(() => resolveSovereignConfig(config, { strict: true })).toThrow(/configure an objectStore for fsn-2$/m);
  });

  test('fails on a bad object store: plain http, a bad bucket, a retention Barman cannot read, a missing credential reference', () => {
    const bad = { endpoint: 'http://s3.example', bucket: 'B', retention: { databases: '30 days' } };
    expect(() => resolveSovereignConfig({ name: 'omantel', domain: 'omantel.example', regions: [{ name: FSN, objectStore: bad }] })).toThrow(
      /regions\[0\]\.objectStore\.endpoint: .*must be an https:\/\/ URL[\s\S]*regions\[0\]\.objectStore\.bucket: .*must be an S3 bucket name[\s\S]*regions\[0\]\.objectStore\.credentials: is required[\s\S]*regions\[0\]\.objectStore\.retention\.databases: .*must be a retention such as "30d"/,
    );
  });

  test('the SPEC §3 example loads as it stands', () => {
    // WHEN
    const config = loadSovereignConfig(OMANTEL_YAML);
    // THEN
    expect(config.name).toBe('omantel');
    expect(config.regionLabelKey).toBe('openova.io/region');
    const seal = { static: { keyId: '2026-11-1', secretName: 'openbao-seal', secretKey: 'key' } };
    const credentials = { secretName: 'backup-s3', accessKeyIdKey: 'ACCESS_KEY_ID', secretAccessKeyKey: 'ACCESS_SECRET_KEY' };
    const retention = { databases: '30d', openbao: '30d' };
    expect(config.regions).toEqual([
      { name: FSN, clusterName: 'fsn', seal, objectStore: { endpoint: 'https://fsn1.your-objectstorage.com', bucket: 'omantel-backups-fsn', path: 'omantel', credentials, retention } },
      { name: HEL, clusterName: HEL, seal, objectStore: { endpoint: 'https://hel1.your-objectstorage.com', bucket: 'omantel-backups-hel', path: 'omantel', credentials, retention } },
    ]);
    expect(config.primaryRegion).toBe(FSN);
    expect(config.hotStandby).toEqual({ active: true, primaryRegion: FSN, replicaRegion: HEL });
    expect(config.openbao.seal.static).toEqual({ keyId: '2026-11-1', secretName: 'openbao-seal', secretKey: 'key' });
    expect(config.databases[0]).toMatchObject({ name: 'wordpress-db', namespace: 't-acme', database: 'wordpress', owner: 'wordpress' });
    expect(config.warnings).toEqual([]);
  });

  test('the three-region example loads', () => {
    const config = loadSovereignConfig(join(EXAMPLES, 'three-regions.yaml'));
    expect(config.regions).toHaveLength(3);
    expect(config.hotStandby).toMatchObject({ active: true, primaryRegion: FSN, replicaRegion: 'hz-nbg-rtz-prod' });
  });

  test('defaults fill everything optional', () => {
    // GIVEN a single-region config with only the required keys
    const config = resolveSovereignConfig({ name: 'solo', domain: 'solo.example', regions: [{ name: 'r1' }] });
    // THEN
    expect(config.primaryRegion).toBe('r1');
    expect(config.regionLabelKey).toBe('topology.kubernetes.io/region');
    expect(config.openbao).toMatchObject({ image: 'quay.io/openbao/openbao:2.6.2', replicas: 3, storage: { size: '10Gi' } });
    expect(config.openbao.replication).toEqual({ mechanism: 'raftSnapshot', schedule: '*/5 * * * *', alerts: { enabled: true, ruleLabels: { release: 'kube-prometheus-stack' } } });
    expect(config.openbao.breakGlass).toEqual({ caBundle: { configMapName: 'openbao-break-glass-ca', key: 'ca.crt' } });
    expect(config.identity).toEqual({ trustDomain: 'solo.example', issuer: { kind: 'ClusterIssuer', name: 'spiffe-ca' }, issuancePolicy: { enabled: true, certManager: { namespace: 'cert-manager', serviceAccount: 'cert-manager' } } });
    expect(config.hotStandby).toEqual({ active: false, primaryRegion: 'r1' });
    expect(config.databases).toEqual([]);
  });

  test('a JSON file loads too', () => {
    const file = tempFile('sovereign.json', JSON.stringify(twoRegions()));
    expect(loadSovereignConfig(file).primaryRegion).toBe(FSN);
  });

  test('fails when a region is unknown, naming the value and the regions to choose from', () => {
    const issues = issuesOf(() => resolveSovereignConfig(twoRegions({ primaryRegion: 'hz-xyz' })));
    expect(issues).toEqual([`primaryRegion: is not one of the Sovereign's regions; use one of: ${FSN}, ${HEL}`]);
  });

  test('fails when region names or cluster names repeat', () => {
    const issues = issuesOf(() =>
      resolveSovereignConfig(twoRegions({ regions: [{ name: FSN, clusterName: 'x' }, { name: FSN, clusterName: 'x' }] })),
    );
    expect(issues).toEqual([
      'regions[1].name: duplicate region name, already used at regions[0].name; every region name must be unique',
      'regions[1].clusterName: duplicate ClusterMesh cluster name, already used at regions[0].clusterName; every ClusterMesh cluster name must be unique',
    ]);
  });

  test('fails when the primary is missing with two or more regions', () => {
    const issues = issuesOf(() => resolveSovereignConfig(twoRegions({ primaryRegion: undefined })));
    expect(issues).toEqual([`primaryRegion: is required when the Sovereign has 2 regions; set it to the OpenBao write primary, one of: ${FSN}, ${HEL}`]);
  });

  test('fails with every schema error at once: bad names, unknown keys, wrong types, bad enums', () => {
    // GIVEN a config with five independent mistakes
    const raw = {
      ...twoRegions(),
      name: 'Omantel_1',
      regions: [{ name: FSN, cluster: 'fsn' }, { name: 'HEL' }],
      openbao: { replicas: 'three', replication: { mechanism: 'performance' } },
      databse: [],
    };
    // WHEN / THEN
    const issues = issuesOf(() => resolveSovereignConfig(raw));
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^name: must be a DNS-1123 label/),
        'regions[0]: unknown key "cluster"; remove it or fix the spelling (keys are camelCase)',
        expect.stringMatching(/^regions\[1\]\.name: must be a DNS-1123 label/),
        'openbao.replicas: must be a number',
        'openbao.replication.mechanism: must be "raftSnapshot" or "nativePerformance"',
        '(top level): unknown key "databse"; remove it or fix the spelling (keys are camelCase)',
      ]),
    );
    expect(issues).toHaveLength(6);
  });

  test('region checks are reported together with schema errors', () => {
    const issues = issuesOf(() => resolveSovereignConfig({ ...twoRegions(), domain: 'Bad Domain', regions: [{ name: FSN }, { name: FSN }], primaryRegion: 'hz-x' }));
    expect(issues).toEqual([
      'domain: must be a lowercase DNS name such as "omantel.example"',
      'regions[1].name: duplicate region name, already used at regions[0].name; every region name must be unique',
      `primaryRegion: is not one of the Sovereign's regions; use one of: ${FSN}`,
    ]);
  });

  test('error messages carry the path, the bad value and the fix', () => {
    try {
      resolveSovereignConfig(twoRegions({ openbao: { storage: { size: 'ten gigs' } } }), { source: 'omantel.yaml' });
      throw new Error('expected failure');
    } catch (error) {
      expect((error as Error).message).toBe(
        'omantel.yaml is invalid (1 error):\n  - openbao.storage.size: must be a Kubernetes quantity such as "10Gi", "500m" or "2" (got "ten gigs")',
      );
    }
  });

  test('fails when a YAML file repeats a key, instead of keeping the last', () => {
    const file = tempFile('dup.yaml', 'name: a\nname: b\ndomain: x.example\nregions: [{ name: r1 }]\n');
    expect(issuesOf(() => loadSovereignConfig(file))[0]).toMatch(/dup\.yaml:2: Map keys must be unique/);
    // Also in the block form the narrow reader reads: it answers only for a text it would write itself.
    const block = tempFile('dup-block.yaml', 'name: a\ndomain: x.example\nname: b\nregions:\n  - name: r1\n');
    expect(issuesOf(() => loadSovereignConfig(block))[0]).toMatch(/dup-block\.yaml:3: Map keys must be unique/);
  });

  test('a config in the form the library writes YAML loads as yaml reads it', () => {
    const input = twoRegions({ tenants: [{ name: 'acme', namespaces: ['t-acme'] }], databases: [{ name: 'a', namespace: 't-acme' }] });
    const text = plainYaml(input)!;
    expect(text).toBe(stringify(input, YAML_OPTIONS));
    expect(readPlainYaml(text)).toEqual(input);
    expect(loadSovereignConfig(tempFile('plain.yaml', text))).toEqual(resolveSovereignConfig(parse(text), { source: 'x' }));
  });

  test('fails when the file cannot be read', () => {
    expect(issuesOf(() => loadSovereignConfig('/nonexistent/sovereign.yaml'))[0]).toMatch(/^\/nonexistent\/sovereign\.yaml: cannot be read/);
  });

  test('fails on a bad image reference, a bad cron schedule and a bad region label key', () => {
    const issues = issuesOf(() =>
      resolveSovereignConfig(
        twoRegions({ regionLabelKey: 'not a key', openbao: { image: 'Quay.io/OpenBao:latest!', replication: { schedule: 'every 5 minutes' } } }),
      ),
    );
    expect(issues).toEqual([
      'regionLabelKey: must be a Kubernetes label key such as "topology.kubernetes.io/region"',
      'openbao.image: must be an image reference such as "quay.io/openbao/openbao:2.6.2" or "...@sha256:<64 hex>"',
      'openbao.replication.schedule: must be a five-field cron expression such as "*/5 * * * *"',
    ]);
  });

  test('accepts a digest-pinned image', () => {
    const image = `quay.io/openbao/openbao:2.6.2@sha256:${'a'.repeat(64)}`;
    expect(resolveSovereignConfig(twoRegions({ openbao: { image } })).openbao.image).toBe(image);
  });
});
