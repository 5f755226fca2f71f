import { App } from 'cdk8s';
import { type SecretTenant } from '../../lib/secrets/tenancy';
import { LocalExternalSecret } from '../../lib/secrets/local-external-secret';
import { PrimaryPushSecret, PushDeletionPolicy } from '../../lib/secrets/primary-push-secret';
import { WorkloadIdentity } from '../../lib/secrets/workload-identity';
import type { SovereignConfigInput } from '../../lib/sovereign/config-types';
import { Sovereign } from '../../lib/sovereign/sovereign';
import { loadSovereignConfig, resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { type KubeObject, synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { FSN, HEL, OMANTEL_YAML, threeRegions, twoRegions } from '../helpers/configs';
import { expectValidManifests, expectValidSovereign } from '../helpers/manifests';

const PUSH = { name: 'app-creds', namespace: 'apps', secretName: 'app-creds', data: [{ secretKey: 'password', remoteKey: 'sovereign/omantel/apps/app-creds', property: 'password' }] };
const PAIR = { name: 'mydb', namespace: 'db' };
// The implicit tenant a pushSecrets namespace becomes: `apps`, owning sovereign/omantel/apps/ in every region.
const APPS: SecretTenant = { name: 'apps', namespaces: ['apps'], keyPrefix: 'sovereign/omantel/apps/', readRegions: [FSN, HEL], pushRegions: [FSN, HEL], system: false };

function synth(config: SovereignConfigInput, env: Record<string, string> = {}) {
  const output = synthesizeSovereign(resolveSovereignConfig(config, { env }));
  expectValidSovereign(output);
  return output;
}

const all = (output: ReturnType<typeof synth>) => output.regions.flatMap((r) => r.objects.map((o) => ({ region: r.region, o: o as any })));
const ofKind = (output: ReturnType<typeof synth>, kind: string) => all(output).filter((e) => e.o.kind === kind);

describe('ESO stores', () => {
  const output = synth(threeRegions({ pushSecrets: [PUSH] }));

  test('every region has, per tenant, a read store on its own OpenBao and a push store on the mesh-global primary', () => {
    for (const region of output.regions) {
      const stores = region.objects.filter((o) => o.kind === 'ClusterSecretStore') as any[];
      expect(stores.map((s) => [s.apiVersion, s.metadata.name, s.spec.provider.vault.server, s.spec.provider.vault.auth.cert.vaultRole, s.spec.conditions])).toEqual([
        ['external-secrets.io/v1', 'bao-local-apps', 'https://openbao.openbao.svc:8200', 'eso-read-apps', [{ namespaces: ['apps'] }]],
        ['external-secrets.io/v1', 'bao-primary-apps', 'https://openbao-primary.openbao.svc:8200', 'eso-push-apps', [{ namespaces: ['apps'] }]],
      ]);
    }
  });

  test('stores use the vault provider, kv v2 at secret, the OpenBao CA and cert auth from the tenant SVID Secret', () => {
    const [store] = ofKind(output, 'ClusterSecretStore');
    expect(store.o.metadata.annotations).toEqual({ 'sovereign.openova.io/key-prefix': 'sovereign/omantel/apps/' });
    expect(store.o.spec.provider.vault).toEqual({
      server: 'https://openbao.openbao.svc:8200',
      path: 'secret',
      version: 'v2',
      caProvider: { type: 'Secret', name: 'openbao-tls', namespace: 'openbao', key: 'ca.crt' },
      auth: {
        cert: {
          path: 'cert',
          vaultRole: 'eso-read-apps',
          clientCert: { name: 'eso-apps-read-svid', namespace: 'external-secrets-system', key: 'tls.crt' },
          secretRef: { name: 'eso-apps-read-svid', namespace: 'external-secrets-system', key: 'tls.key' },
        },
      },
    });
  });

  test('every store has its own SVID: reading and pushing never share an identity, nor do two regions', () => {
    const certs = ofKind(output, 'Certificate').filter((c) => c.o.metadata.namespace === 'external-secrets-system');
    const ids = certs.map((c) => c.o.spec.uris[0]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('spiffe://omantel.example/ns/external-secrets-system/sa/external-secrets/tenant/apps/read/region/hz-fsn-rtz-prod');
    expect(certs.find((c) => c.region === FSN && c.o.metadata.name === 'eso-apps-push-svid')!.o.spec.commonName).toBe('tenant.apps.push.region.hz-fsn-rtz-prod');
  });

  test('snapshot: the secrets objects of one region', () => {
    const region = synth(twoRegions({ pushSecrets: [PUSH] })).regions[0];
    expect(region.objects.filter((o) => ['ClusterSecretStore', 'PushSecret', 'ExternalSecret'].includes(o.kind) || o.metadata.name === 'eso-apps-read-svid')).toMatchSnapshot();
  });
});

describe('SPIFFE workload identity', () => {
  test("an ESO tenant certificate is a short-lived SVID with one URI SAN and a CN, which OpenBao names the alias after", () => {
    const [cert] = ofKind(synth(twoRegions({ pushSecrets: [PUSH] })), 'Certificate').filter((e) => e.o.metadata.name === 'eso-apps-read-svid');
    expect(cert.o.metadata.namespace).toBe('external-secrets-system');
    expect(cert.o.spec).toEqual({
      secretName: 'eso-apps-read-svid',
      secretTemplate: { labels: expect.any(Object) },
      // cert auth refuses an empty alias name, and names the alias after the subject CN (path_login.go, v2.6.2).
      commonName: 'tenant.apps.read.region.hz-fsn-rtz-prod',
      uris: ['spiffe://omantel.example/ns/external-secrets-system/sa/external-secrets/tenant/apps/read/region/hz-fsn-rtz-prod'],
      duration: '1h',
      renewBefore: '20m',
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      usages: ['client auth', 'digital signature', 'key encipherment'],
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'spiffe-ca' },
    });
    expect(cert.o.spec.dnsNames).toBeUndefined();
  });

  test('fails when the workload\'s CN would exceed 64 characters', () => {
    expect(() =>
      WorkloadIdentity.spiffeCertificate().bind(new App(), 'id', {
        workload: { namespace: 'tenant-with-a-rather-long-namespace-name', serviceAccount: 'an-equally-long-service-account' },
        trustDomain: 'omantel.example',
        issuer: { kind: 'ClusterIssuer', name: 'spiffe-ca' },
      }),
    ).toThrow('its certificate CN "an-equally-long-service-account.tenant-with-a-rather-long-namespace-name" would exceed X.509\'s 64 characters');
  });

  test('the SPIFFE URIs in Certificates equal the allowed_uri_sans of the OpenBao cert roles, in every region', () => {
    const output = synth(twoRegions({ identity: { trustDomain: 'sov.example', issuer: { kind: 'Issuer', name: 'svid' } }, pushSecrets: [PUSH] }));
    const uriOf = (region: (typeof output.regions)[number], name: string) => (region.objects.find((o) => o.metadata.name === name) as any).spec.uris[0];
    const readUris = output.regions.map((r) => uriOf(r, 'eso-apps-read-svid'));
    const pushUris = output.regions.map((r) => uriOf(r, 'eso-apps-push-svid'));
    expect(readUris[0]).toBe('spiffe://sov.example/ns/external-secrets-system/sa/external-secrets/tenant/apps/read/region/hz-fsn-rtz-prod');
    for (const region of output.regions) {
      const config = JSON.parse((region.objects.find((o) => o.metadata.name === 'openbao-config') as any).data['initialize.json']);
      const roles = config.initialize.find((b: any) => b['cert-roles'])['cert-roles'].request.map((r: any) => Object.values(r)[0] as any);
      expect(roles.filter((r: any) => r.path.includes('/eso-')).map((r: any) => [r.path, r.data.allowed_uri_sans])).toEqual([
        ['auth/cert/certs/eso-read-apps', readUris],
        ['auth/cert/certs/eso-push-apps', pushUris],
      ]);
    }
  });

  test('fails on a bad duration', () => {
    expect(() => WorkloadIdentity.spiffeCertificate({ duration: 'one hour' })).toThrow('spiffeCertificate duration "one hour" must be a duration such as "1h" or "20m"');
  });
});

describe('PrimaryPushSecret', () => {
  test("targets exactly its tenant's bao-primary store, keeps remote secrets on delete, replaces on update", () => {
    const [push] = ofKind(synth(twoRegions({ pushSecrets: [PUSH] })), 'PushSecret');
    expect(push.region).toBe(FSN);
    expect(push.o.apiVersion).toBe('external-secrets.io/v1alpha1');
    expect(push.o.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRefs: [{ name: 'bao-primary-apps', kind: 'ClusterSecretStore' }],
      deletionPolicy: 'None',
      updatePolicy: 'Replace',
      selector: { secret: { name: 'app-creds' } },
      data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'sovereign/omantel/apps/app-creds', property: 'password' } } }],
    });
  });

  test("no PushSecret anywhere targets a store other than its tenant's bao-primary store", () => {
    const configs = [
      loadSovereignConfig(OMANTEL_YAML),
      resolveSovereignConfig(threeRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [PAIR, { ...PAIR, name: 'd2', topology: 'distributed' }], pushSecrets: [PUSH, { ...PUSH, name: 'x', region: HEL }] })),
    ];
    const pushes = configs.flatMap((c) => synthesizeSovereign(c).regions.flatMap((r) => r.objects)).filter((o) => o.kind === 'PushSecret') as any[];
    expect(pushes.length).toBeGreaterThanOrEqual(8);
    for (const push of pushes) {
      const tenant = push.metadata.namespace === 'db' ? 'cnpg.db' : push.metadata.namespace === 'databases' ? 'platform' : push.metadata.namespace === 't-acme' ? 'cnpg.t-acme' : push.metadata.namespace;
      expect(push.spec.secretStoreRefs).toEqual([{ name: `bao-primary-${tenant}`, kind: 'ClusterSecretStore' }]);
    }
  });

  test('the Secret region is configurable and defaults to the OpenBao primary', () => {
    const pushes = ofKind(synth(twoRegions({ primaryRegion: HEL, pushSecrets: [PUSH, { ...PUSH, name: 'other', region: FSN }] })), 'PushSecret');
    expect(pushes.map((p) => [p.o.metadata.name, p.region])).toEqual([
      ['other', FSN],
      ['app-creds', HEL],
    ]);
  });

  test('the API has no way to name another store', () => {
    expect(PrimaryPushSecret.storeOf(APPS)).toEqual({ name: 'bao-primary-apps', kind: 'ClusterSecretStore' });
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    const props = { ...PUSH, tenant: APPS, secretStoreRefs: [{ name: 'bao-local-apps' }] } as any;
    const push = new PrimaryPushSecret(sovereign.regionChart(HEL), 'p', props);
    const rendered = push.node.findAll().map((c: any) => c.toJson?.()).find(Boolean);
    expect(rendered.spec.secretStoreRefs).toEqual([{ name: 'bao-primary-apps', kind: 'ClusterSecretStore' }]);
  });

  test('fails when a remote key is outside sovereign/<sovereign>/, naming the key and the prefix', () => {
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    const bad = (remoteKey: string) => () =>
      new PrimaryPushSecret(sovereign.regionChart(FSN), `p-${remoteKey.length}`, { ...PUSH, tenant: APPS, data: [{ secretKey: 'k', remoteKey }] });
    expect(bad('sovereign/other/apps/x')).toThrow(`data[0].remoteKey: "sovereign/other/apps/x" is outside this Sovereign's prefix "sovereign/omantel/"; write under "sovereign/omantel/..."`);
    expect(bad('sovereign/omantel/')).toThrow(/is outside this Sovereign's prefix/);
    expect(bad('sovereign/omantel/../other/x')).toThrow(/is outside this Sovereign's prefix/);
    expect(() => resolveSovereignConfig(twoRegions({ pushSecrets: [{ ...PUSH, data: [{ secretKey: 'k', remoteKey: 'apps/x' }] }] }))).toThrow(
      `pushSecrets[0].data[0].remoteKey: "apps/x" is outside this Sovereign's prefix "sovereign/omantel/"; write under "sovereign/omantel/..."`,
    );
  });

  test('fails on an empty data list, a bad refresh interval and an unknown region', () => {
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    expect(() => new PrimaryPushSecret(sovereign.regionChart(FSN), 'e', { ...PUSH, tenant: APPS, data: [], refreshInterval: 'hourly' })).toThrow(
      /data: list at least one key to push\n.*refreshInterval: "hourly" must be a duration/,
    );
    expect(() => resolveSovereignConfig(twoRegions({ pushSecrets: [{ ...PUSH, region: 'hz-x' }] }))).toThrow(/pushSecrets\[0\]\.region: is not a region of this Sovereign/);
  });

  test('deletionPolicy Delete is available but explicit', () => {
    const [push] = ofKind(synth(twoRegions({ pushSecrets: [{ ...PUSH, deletionPolicy: 'Delete' }] })), 'PushSecret');
    expect(push.o.spec.deletionPolicy).toBe(PushDeletionPolicy.DELETE);
  });
});

describe('LocalExternalSecret', () => {
  test("reads from its tenant's bao-local store into a Secret ESO owns", () => {
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    const secret = new LocalExternalSecret(sovereign.regionChart(HEL), 'read', { tenant: APPS, name: 'app-creds', namespace: 'apps', data: [{ secretKey: 'password', remoteKey: 'sovereign/omantel/apps/app-creds', property: 'password' }] });
    const rendered = secret.node.findAll().map((c: any) => c.toJson?.()).find(Boolean);
    expectValidManifests([rendered]);
    expect(rendered.apiVersion).toBe('external-secrets.io/v1');
    expect(rendered.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { name: 'bao-local-apps', kind: 'ClusterSecretStore' },
      target: { name: 'app-creds', creationPolicy: 'Owner' },
      data: [{ secretKey: 'password', remoteRef: { key: 'sovereign/omantel/apps/app-creds', property: 'password' } }],
    });
  });

  test('fails with no data', () => {
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    expect(() => new LocalExternalSecret(sovereign.regionChart(HEL), 'read', { tenant: APPS, name: 'x', namespace: 'apps', data: [] })).toThrow(/LocalExternalSecret apps\/x is invalid:\n  - data: must list at least one key/);
  });
});

describe('CNPG TLS hand-over', () => {
  const active = synth(twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [PAIR] }));

  test('the primary region pushes tls.crt/tls.key of -replication and only ca.crt of -ca', () => {
    const pushes = ofKind(active, 'PushSecret');
    expect(pushes.map((p) => [p.region, p.o.metadata.namespace, p.o.spec.selector.secret.name, p.o.spec.data.map((d: any) => `${d.match.secretKey}->${d.match.remoteRef.remoteKey}#${d.match.remoteRef.property}`)])).toEqual([
      [FSN, 'db', 'mydb-replication', ['tls.crt->sovereign/omantel/cnpg/db/mydb/replication#tls.crt', 'tls.key->sovereign/omantel/cnpg/db/mydb/replication#tls.key']],
      [FSN, 'db', 'mydb-ca', ['ca.crt->sovereign/omantel/cnpg/db/mydb/ca#ca.crt']],
    ]);
  });

  test("the replica region recreates both Secrets from the namespace's bao-local-cnpg.<namespace> store", () => {
    const externals = ofKind(active, 'ExternalSecret');
    expect(externals.map((e) => [e.region, e.o.spec.target, e.o.spec.data.map((d: any) => d.secretKey)])).toEqual([
      [HEL, { name: 'mydb-replication', creationPolicy: 'Owner', template: { type: 'kubernetes.io/tls' } }, ['tls.crt', 'tls.key']],
      [HEL, { name: 'mydb-ca', creationPolicy: 'Owner' }, ['ca.crt']],
    ]);
    expect(new Set(externals.map((e) => e.o.spec.secretStoreRef.name))).toEqual(new Set(['bao-local-cnpg.db']));
    const stores = ofKind(active, 'ClusterSecretStore').filter((e) => e.o.metadata.name.includes('cnpg.db'));
    expect(stores.map((e) => [e.region, e.o.metadata.name, e.o.spec.conditions])).toEqual([
      [FSN, 'bao-primary-cnpg.db', [{ namespaces: ['db'] }]],
      [HEL, 'bao-local-cnpg.db', [{ namespaces: ['db'] }]],
    ]);
  });

  test('ca.key never leaves the primary region: no object anywhere mentions it', () => {
    for (const config of [twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [PAIR, { ...PAIR, name: 'dist', topology: 'distributed' }] })]) {
      expect(JSON.stringify(synth(config))).not.toContain('ca.key');
    }
  });

  test('distributed pairs hand over in both directions', () => {
    const output = synth(twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ ...PAIR, topology: 'distributed' }] }));
    expect(ofKind(output, 'ExternalSecret').map((e) => [e.region, e.o.metadata.name])).toEqual([
      [FSN, 'mydb-replica-replication'],
      [FSN, 'mydb-replica-ca'],
      [HEL, 'mydb-replication'],
      [HEL, 'mydb-ca'],
    ]);
  });

  test.each([
    ['hot standby off', twoRegions({ databases: [PAIR] }), {}],
    ['a degenerate knob', twoRegions({ databases: [PAIR] }), { SOVEREIGN_ENABLE_HOT_STANDBY: 'true', SOVEREIGN_PRIMARY_REGION: FSN, SOVEREIGN_REPLICA_REGION: FSN }],
  ])('no hand-over objects when the pair is not active (%s)', (_, config, env) => {
    const output = synth(config, env as Record<string, string>);
    expect([...ofKind(output, 'PushSecret'), ...ofKind(output, 'ExternalSecret')]).toEqual([]);
  });
});

describe('secrets flow end to end', () => {
  test('writes go only to the primary, reads only to the local cluster, in every region', () => {
    const objects: KubeObject[] = synth(threeRegions({ pushSecrets: [PUSH] })).regions.flatMap((r) => r.objects);
    const servers = new Set(objects.filter((o) => o.kind === 'ClusterSecretStore').map((o: any) => `${o.metadata.name} ${o.spec.provider.vault.server}`));
    expect([...servers]).toEqual(['bao-local-apps https://openbao.openbao.svc:8200', 'bao-primary-apps https://openbao-primary.openbao.svc:8200']);
  });
});
