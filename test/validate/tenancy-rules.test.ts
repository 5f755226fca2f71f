import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { type KubeObject, synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { formatViolation } from '../../lib/validate/violation';
import { FSN, twoRegions } from '../helpers/configs';
import { sharedValidator } from '../helpers/manifests';

// The validator's tenancy rules. Each case takes today's rendering of a two-tenant Sovereign (which passes),
// reintroduces one of the defects the isolation review found, and expects the rule to name it.

const TENANTS = { tenants: [{ name: 'acme', namespaces: ['t-acme'] }, { name: 'globex', namespaces: ['t-globex'] }] };
function region(): any[] {
  const output = synthesizeSovereign(resolveSovereignConfig(twoRegions(TENANTS)));
  return structuredClone(output.regions.find((r) => r.region === FSN)!.objects) as KubeObject[] as any[];
}
const tenancy = (objects: any[]) =>
  sharedValidator()
    .validateObjects(objects)
    .filter((v) => v.rule === 'tenancy')
    .map(formatViolation);
const store = (objects: any[], name: string) => objects.find((o) => o.kind === 'ClusterSecretStore' && o.metadata.name === name);
const initialize = (objects: any[]) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'openbao-config');
/** Rewrites self-init's requests: `edit` gets each request's body by its path. */
function editInit(objects: any[], edit: (path: string, request: any) => void): any[] {
  const configMap = initialize(objects);
  const init = JSON.parse(configMap.data['initialize.json']);
  for (const block of init.initialize) for (const b of Object.values(block) as any[]) for (const r of b.request) for (const request of Object.values(r) as any[]) edit(request.path, request);
  configMap.data['initialize.json'] = JSON.stringify(init);
  return objects;
}

describe('tenancy rules', () => {
  test('pass the rendering of a two-tenant Sovereign in every region', () => {
    const output = synthesizeSovereign(resolveSovereignConfig(twoRegions(TENANTS)));
    for (const r of output.regions) expect(tenancy(r.objects as any[])).toEqual([]);
  });

  test('fail on a ClusterSecretStore without conditions (it serves every namespace)', () => {
    const objects = region();
    delete store(objects, 'bao-local-acme').spec.conditions;
    expect(tenancy(objects)).toEqual([
      'ClusterSecretStore/bao-local-acme: spec.conditions: a ClusterSecretStore without conditions serves every namespace; list the namespaces of the one tenant it is for [tenancy]',
    ]);
  });

  test.each([
    ['an empty namespaceSelector', { namespaceSelector: {} }, 'spec.conditions[0].namespaceSelector: an empty namespaceSelector matches every namespace'],
    ['a catch-all regex', { namespaceRegexes: ['.*'] }, 'spec.conditions[0].namespaceRegexes: ".*" matches any namespace'],
  ])('fail on a condition that admits every namespace: %s', (_, condition, message) => {
    const objects = region();
    store(objects, 'bao-local-acme').spec.conditions = [condition];
    expect(tenancy(objects)).toEqual([expect.stringContaining(`ClusterSecretStore/bao-local-acme: ${message}`)]);
  });

  test("fail on a policy wider than its tenant's prefix (today's sovereign/<s>/* grant)", () => {
    const objects = editInit(region(), (path, request) => {
      if (path === 'sys/policies/acl/eso-read-acme') {
        request.data.policy = JSON.stringify({ path: { 'secret/data/sovereign/omantel/*': { capabilities: ['read'] } } });
      }
    });
    expect(tenancy(objects)).toEqual([
      'ClusterSecretStore/bao-local-acme: spec.provider.vault.auth.cert.vaultRole: role eso-read-acme grants policy eso-read-acme on "secret/data/sovereign/omantel/*", outside the tenant prefix "sovereign/omantel/acme/" [tenancy]',
    ]);
  });

  test('fail on a store whose prefix annotation is missing, or names the whole Sovereign', () => {
    const objects = region();
    delete store(objects, 'bao-local-acme').metadata.annotations;
    store(objects, 'bao-primary-acme').metadata.annotations['sovereign.openova.io/key-prefix'] = 'sovereign/omantel/';
    expect(tenancy(objects)).toEqual([
      expect.stringContaining('ClusterSecretStore/bao-local-acme: metadata.annotations: names no key prefix'),
      expect.stringContaining('ClusterSecretStore/bao-primary-acme: metadata.annotations: key prefix "sovereign/omantel/" is not one tenant\'s folder'),
    ]);
  });

  test('fail on two tenants whose prefixes nest', () => {
    // globex moved inside acme's folder, its store and its policy consistently: acme's stores now reach its keys.
    const nested = 'sovereign/omantel/acme/globex/';
    const objects = editInit(region(), (path, request) => {
      if (path === 'sys/policies/acl/eso-read-globex') {
        request.data.policy = JSON.stringify({ path: { [`secret/data/${nested}*`]: { capabilities: ['read'] } } });
      }
    });
    store(objects, 'bao-local-globex').metadata.annotations['sovereign.openova.io/key-prefix'] = nested;
    expect(tenancy(objects)).toContainEqual(expect.stringContaining('ClusterSecretStore/bao-local-globex: metadata.annotations: key prefix "sovereign/omantel/acme/globex/" overlaps "sovereign/omantel/acme/"'));
  });

  test("fail on two roles sharing an identity (today's eso-read and eso-push)", () => {
    let readUris: string[] = [];
    const objects = editInit(region(), (path, request) => {
      if (path === 'auth/cert/certs/eso-read-acme') readUris = request.data.allowed_uri_sans;
      if (path === 'auth/cert/certs/eso-push-acme') request.data.allowed_uri_sans = readUris;
    });
    expect(tenancy(objects)).toEqual([expect.stringContaining(`cert roles eso-read-acme and eso-push-acme both admit "${readUris[0]}"; give every role its own identity`)]);
  });

  test('fail on a role that binds no identity at all', () => {
    const objects = editInit(region(), (path, request) => {
      if (path === 'auth/cert/certs/replication-verify') delete request.data.allowed_uri_sans;
    });
    expect(tenancy(objects)).toEqual([expect.stringContaining('cert role replication-verify binds no URI SAN or CN, so every certificate of its CA can log in with it')]);
  });

  test("fail on a store naming a role self-init does not write", () => {
    const objects = region();
    store(objects, 'bao-local-acme').spec.provider.vault.auth.cert.vaultRole = 'eso-read';
    expect(tenancy(objects)).toEqual([expect.stringContaining('role "eso-read" is not written by OpenBao\'s self-initialisation in this cluster')]);
  });
});
