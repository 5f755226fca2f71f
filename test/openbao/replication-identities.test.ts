import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { FSN, HEL, NBG, threeRegions } from '../helpers/configs';

// §5: a restore copies every role and policy to every region, the primary included, so the property must hold over
// everything rendered: no identity the mesh lets in from another cluster may restore (snapshot-force), anywhere.
const LOOPBACK = ['127.0.0.1/32', '::1/128'];

interface Role {
  readonly region: string;
  readonly name: string;
  readonly uris: readonly string[];
  readonly policies: readonly string[];
  readonly boundCidrs?: readonly string[];
}

const CLUSTERS: Record<string, string> = { [FSN]: 'fsn', [NBG]: 'nbg', [HEL]: 'hel' };

function rendered(regionNames: readonly string[], primaryRegion: string) {
  const output = synthesizeSovereign(resolveSovereignConfig(threeRegions({ regions: regionNames.map((name) => ({ name, clusterName: CLUSTERS[name] })), primaryRegion, tenants: [{ name: 'acme', namespaces: ['t-acme'] }] })));
  const objects = output.regions.flatMap((r) => r.objects.map((o: any) => ({ region: r.region, o })));
  const roles: Role[] = [];
  const policies = new Map<string, Record<string, { capabilities: string[] }>>();
  for (const { region, o } of objects.filter(({ o }) => o.kind === 'ConfigMap' && o.data?.['initialize.json'])) {
    for (const block of JSON.parse(o.data['initialize.json']).initialize) {
      for (const request of Object.values(block).flatMap((b: any) => b.request).map((r: any) => Object.values(r)[0] as any)) {
        if (request.path.startsWith('sys/policies/acl/')) policies.set(`${region}/${request.path.split('/').pop()}`, JSON.parse(request.data.policy).path);
        if (request.path.startsWith('auth/cert/certs/')) {
          roles.push({ region, name: request.path.split('/').pop(), uris: request.data.allowed_uri_sans ?? [], policies: request.data.token_policies, boundCidrs: request.data.token_bound_cidrs });
        }
      }
    }
  }
  return { objects, roles, policies };
}

/**
 * Pod templates with their namespace, labels and the Secrets they present, plus ESO's controller (installed apart),
 * which presents the client certificates its ClusterSecretStores name.
 */
function pods(objects: { region: string; o: any }[]) {
  return objects.flatMap(({ region, o }) => {
    if (o.kind === 'ClusterSecretStore') {
      const { clientCert } = o.spec.provider.vault.auth.cert;
      return [{ region, namespace: clientCert.namespace, labels: { 'app.kubernetes.io/name': 'external-secrets' } as Record<string, string>, secrets: [clientCert.name] }];
    }
    const template = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : ['StatefulSet', 'Job', 'Deployment'].includes(o.kind) ? o.spec.template : undefined;
    if (template === undefined) return [];
    const secrets = (template.spec.volumes ?? []).flatMap((v: any) => (v.secret ? [v.secret.secretName] : []));
    return [{ region, namespace: o.metadata.namespace, labels: template.metadata.labels as Record<string, string>, secrets }];
  });
}

// 2 and 3 regions, and after a confirmed promotion (the primary moved to HEL).
describe.each([
  [[FSN, NBG, HEL], FSN],
  [[FSN, NBG, HEL], HEL],
  [[FSN, HEL], FSN],
])('replication identities in %j with primary %s: nothing reachable from another cluster can restore', (regionNames, primary) => {
  const { objects, roles, policies } = rendered(regionNames, primary);
  const replicas = regionNames.filter((r) => r !== primary);
  const restoreCapable = (role: Role) =>
    role.policies.some((name) =>
      Object.entries(policies.get(`${role.region}/${name}`) ?? {}).some(
        // Writing to either snapshot endpoint restores (update on sys/storage/raft/snapshot is a restore, read a save).
        ([path, rule]) => ['sys/storage/raft/snapshot', 'sys/storage/raft/snapshot-force', '*'].includes(path) && rule.capabilities.some((c) => ['update', 'create'].includes(c)),
      ),
    );

  test('every role that can force-restore, in every region, admits logins from loopback only', () => {
    const capable = roles.filter(restoreCapable);
    expect(capable.map((r) => `${r.region}/${r.name}`).sort()).toEqual(regionNames.flatMap((region) => [`${region}/break-glass`, `${region}/replication-restore`]).sort());
    for (const role of capable) expect(role.boundCidrs).toEqual(LOOPBACK);
  });

  test('the identities other clusters may present are pull and ESO identities, none of which can restore', () => {
    // GIVEN every cross-cluster admission (CiliumNetworkPolicy ingress naming io.cilium.k8s.policy.cluster)
    const admissions = objects.flatMap(({ region, o }) =>
      o.kind !== 'CiliumNetworkPolicy'
        ? []
        : (o.spec.ingress ?? []).flatMap((rule: any) =>
            (rule.fromEndpoints ?? [])
              .filter((peer: any) => (peer.matchExpressions ?? []).some((e: any) => e.key === 'io.cilium.k8s.policy.cluster'))
              .map((peer: any) => ({ region, peer })),
          ),
    );
    expect(admissions.length).toBeGreaterThan(0);
    // WHEN we collect the SPIFFE IDs of the certificates mounted by the pods those admissions match
    const certificates = new Map(objects.filter(({ o }) => o.kind === 'Certificate').map(({ region, o }) => [`${region}/${o.metadata.namespace}/${o.spec.secretName}`, o.spec.uris ?? []]));
    const reachable = new Set<string>();
    for (const { peer } of admissions) {
      const { 'k8s:io.kubernetes.pod.namespace': namespace, ...labels } = peer.matchLabels;
      const clusters: string[] = peer.matchExpressions.find((e: any) => e.key === 'io.cilium.k8s.policy.cluster').values;
      for (const pod of pods(objects)) {
        if (!clusters.includes(CLUSTERS[pod.region]) || pod.namespace !== namespace || !Object.entries(labels).every(([k, v]) => pod.labels[k] === v)) continue;
        for (const secret of pod.secrets) for (const uri of certificates.get(`${pod.region}/${pod.namespace}/${secret}`) ?? []) reachable.add(uri);
      }
    }
    // THEN the reachable identities include the puller (and the restorer, mounted beside the servers)...
    const eso = replicas.flatMap((region) => ['push', 'read'].map((access) => `spiffe://omantel.example/ns/external-secrets-system/sa/external-secrets/tenant/acme/${access}/region/${region}`));
    expect([...reachable].sort()).toEqual([...eso, 'spiffe://omantel.example/ns/openbao/sa/openbao-replication-pull', 'spiffe://omantel.example/ns/openbao/sa/openbao-replication-restore'].sort());
    // ...and every role any of them can log in to over the network is unable to restore.
    const networkRoles = roles.filter((role) => role.uris.some((uri) => reachable.has(uri)) && role.boundCidrs === undefined);
    expect(networkRoles.length).toBeGreaterThan(0);
    expect(networkRoles.filter(restoreCapable)).toEqual([]);
  });

  test('restore material exists only in replica regions, mounted only by their server pods', () => {
    const mounts = pods(objects).filter((p) => p.secrets.includes('openbao-replication-restore-svid'));
    expect(mounts.map((p) => [p.region, p.labels.component])).toEqual(replicas.map((region) => [region, 'server']));
  });
});
