import { App } from 'cdk8s';
import { requestFromCertificate, reviewCertificateRequest } from '../../lib/secrets/svid-approval-model';
import { Sovereign } from '../../lib/sovereign/sovereign';
import { loadSovereignConfig, resolveSovereignConfig, type SovereignConfig } from '../../lib/sovereign/sovereign-config';
import { type SovereignOutput, synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { canRead, canWrite, clusterSecretsFacts } from '../../lib/validate/tenancy-access';
import { EXAMPLES, FSN, HEL, NBG, OMANTEL_YAML, threeRegions } from '../helpers/configs';
import { expectValidSovereign } from '../helpers/manifests';
import { join } from 'node:path';

// The isolation proof of the tenancy issue, judged on the rendered objects alone (stores, SVID Certificates, and the
// policies and cert roles of OpenBao's self-initialisation), as an attacker holding one namespace would meet them.

const THREE_TENANTS = resolveSovereignConfig(
  threeRegions({
    hotStandby: { enabled: true, replicaRegion: HEL },
    tenants: [
      { name: 'acme', namespaces: ['t-acme'] },
      { name: 'globex', namespaces: ['t-globex', 't-globex-batch'], keyPrefix: 'globex/prod' },
      { name: 'initech', namespaces: ['t-initech'], regions: [FSN], push: false },
    ],
    databases: [
      { name: 'acme-db', namespace: 't-acme' },
      { name: 'globex-db', namespace: 't-globex', topology: 'distributed' },
    ],
    pushSecrets: [{ name: 'creds', namespace: 't-acme', secretName: 'creds', data: [{ secretKey: 'password', remoteKey: 'sovereign/omantel/acme/creds' }] }],
  }),
);

const CASES: [string, SovereignConfig][] = [
  ['the shipped omantel example', loadSovereignConfig(OMANTEL_YAML)],
  ['the shipped three-region example', loadSovereignConfig(join(EXAMPLES, 'three-regions.yaml'))],
  ['three tenants over three regions', THREE_TENANTS],
];

describe.each(CASES)('tenant isolation: %s', (_, config) => {
  const sovereign = new Sovereign(new App(), config.name, { config });
  const output: SovereignOutput = synthesizeSovereign(sovereign);
  const facts = new Map(output.regions.map((r) => [r.region, clusterSecretsFacts(r.objects)]));
  const tenants = sovereign.tenants;
  // Every namespace an attacker could hold: every tenant's, every rendered one, and one nobody declared.
  const namespaces = [...new Set([...tenants.flatMap((t) => t.namespaces), ...output.regions.flatMap((r) => r.objects.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined)), 'intruder'])];

  test('renders valid manifests', () => {
    expectValidSovereign(output);
  });

  test('every region writes the same roles and policies (a restore replaces them with the primary\'s)', () => {
    const shapes = [...facts.values()].map((f) => JSON.stringify({ roles: f.roles, policies: [...f.policies] }));
    expect(new Set(shapes).size).toBe(1);
  });

  test("no namespace can read or write a key of a tenant it does not belong to, in any region", () => {
    const breaches: string[] = [];
    for (const [region, f] of facts) {
      for (const tenant of tenants) {
        const key = `${tenant.keyPrefix}probe`;
        for (const namespace of namespaces.filter((n) => !tenant.namespaces.includes(n))) {
          if (canRead(f, namespace, key)) breaches.push(`${region}: ${namespace} reads ${key}`);
          if (canWrite(f, namespace, key)) breaches.push(`${region}: ${namespace} writes ${key}`);
        }
      }
    }
    expect(breaches).toEqual([]);
  });

  test('each tenant reads its own keys exactly where it has a read store, and writes them only where it may push', () => {
    for (const tenant of tenants) {
      const key = `${tenant.keyPrefix}probe`;
      for (const namespace of tenant.namespaces) {
        expect([...facts].filter(([, f]) => canRead(f, namespace, key)).map(([region]) => region).sort()).toEqual([...tenant.readRegions, ...tenant.pushRegions.filter((r) => !tenant.readRegions.includes(r))].sort());
        expect([...facts].filter(([, f]) => canWrite(f, namespace, key)).map(([region]) => region).sort()).toEqual([...tenant.pushRegions].sort());
      }
    }
  });

  test("a database's hand-over key is readable only by its namespace, and only where one of its Clusters needs or generated it", () => {
    for (const pair of sovereign.databasePairs) {
      for (const handover of pair.tlsHandovers) {
        const key = `${handover.remoteKeyPrefix}/replication`;
        const readers = [...facts].flatMap(([region, f]) => namespaces.filter((n) => canRead(f, n, key)).map((n) => `${region}/${n}`));
        const from = sovereign.regionCharts.find((c) => c === handover.from)!.region.name;
        const to = sovereign.regionCharts.find((c) => c === handover.to)!.region.name;
        // Reading happens where the Cluster needs it; the region that generated it holds it as a Secret already, and
        // can read it back through its push store only with a distributed pair (which hands over both ways).
        expect(readers.every((r) => r === `${to}/${pair.namespace}` || r === `${from}/${pair.namespace}`)).toBe(true);
        expect(readers).toContain(`${to}/${pair.namespace}`);
      }
    }
  });

  test("no pod outside a database's namespace can reach its instances, whatever labels it sets, from any cluster", () => {
    // An attacker holding namespace X in any cluster can give its pods any labels; only the namespace and the cluster
    // of a pod are out of its hands (Cilium derives them: k8s:io.kubernetes.pod.namespace, io.cilium.k8s.policy.cluster).
    const system = new Set(['cnpg-system', 'kube-system']);
    const breaches: string[] = [];
    for (const region of output.regions) {
      const clusters = region.objects.filter((o) => o.kind === 'Cluster') as any[];
      const policies = region.objects.filter((o) => o.kind === 'CiliumNetworkPolicy') as any[];
      for (const cluster of clusters) {
        const { namespace } = cluster.metadata;
        const selecting = policies.filter((p) => p.metadata.namespace === namespace && Object.entries(p.spec.endpointSelector.matchLabels ?? {}).every(([k, v]) => (k === 'cnpg.io/cluster' ? v === cluster.metadata.name : k === 'cnpg.io/podRole' && v === 'instance')));
        if (selecting.length === 0) breaches.push(`${region.region}: Cluster ${namespace}/${cluster.metadata.name} has no ingress policy`);
        for (const policy of selecting) {
          for (const rule of policy.spec.ingress ?? []) {
            for (const peer of rule.fromEndpoints ?? [{}]) {
              const peerNamespace = peer.matchLabels?.['k8s:io.kubernetes.pod.namespace'];
              if (peerNamespace === undefined) breaches.push(`${region.region}: ${policy.metadata.name} admits pods of any namespace`);
              else if (peerNamespace !== namespace && !system.has(peerNamespace) && namespaces.includes(peerNamespace)) breaches.push(`${region.region}: ${policy.metadata.name} admits namespace ${peerNamespace}`);
            }
            if ((rule.fromEntities ?? []).length > 0 || (rule.fromCIDR ?? []).length > 0 || (rule.fromCIDRSet ?? []).length > 0) breaches.push(`${region.region}: ${policy.metadata.name} admits entities or CIDRs`);
          }
        }
      }
    }
    expect(breaches).toEqual([]);
  });

  test('every SVID is approved by its own issuance policy, and by no policy when asked for from another namespace', () => {
    for (const region of output.regions) {
      for (const certificate of region.objects.filter((o) => o.kind === 'Certificate')) {
        const request = requestFromCertificate(certificate);
        expect(reviewCertificateRequest(region.objects, request)).toMatchObject({ approved: true });
        for (const namespace of namespaces.filter((n) => n !== request.namespace)) {
          expect(reviewCertificateRequest(region.objects, { ...request, namespace }).approved).toBe(false);
        }
      }
    }
  });
});

test('the three-tenant config places stores exactly as its tenancy table says', () => {
  const sovereign = new Sovereign(new App(), THREE_TENANTS.name, { config: THREE_TENANTS });
  const output = synthesizeSovereign(sovereign);
  const stores = output.regions.flatMap((r) => r.objects.filter((o) => o.kind === 'ClusterSecretStore').map((o) => `${r.region} ${o.metadata.name}`));
  expect(stores.filter((s) => s.includes('initech'))).toEqual([`${FSN} bao-local-initech`]);
  expect(stores.filter((s) => s.includes('cnpg.t-acme'))).toEqual([`${FSN} bao-primary-cnpg.t-acme`, `${HEL} bao-local-cnpg.t-acme`]);
  expect(stores.filter((s) => s.startsWith(NBG))).toEqual([`${NBG} bao-local-acme`, `${NBG} bao-primary-acme`, `${NBG} bao-local-globex`, `${NBG} bao-primary-globex`]);
});
