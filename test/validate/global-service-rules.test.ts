import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadSovereignConfig, resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { type KubeObject, synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { formatViolation } from '../../lib/validate/violation';
import { EXAMPLES, FSN, HEL, twoRegions } from '../helpers/configs';
import { sharedValidator } from '../helpers/manifests';

// The validator's global-service rule: a ClusterMesh-global Service whose local backends no network policy selects
// opens them to every pod of every mesh cluster. Each case starts from a rendering that passes and removes or adds one thing.

const MYDB = { name: 'mydb', namespace: 'tenant-a' };
const GLOBAL = { 'service.cilium.io/global': 'true' };

function region(name: string, databases: unknown[] = [MYDB]): any[] {
  const output = synthesizeSovereign(resolveSovereignConfig(twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: databases as any })));
  return structuredClone(output.regions.find((r) => r.region === name)!.objects) as KubeObject[] as any[];
}
const withoutPolicies = (objects: any[], namespace: string) => objects.filter((o) => !(/NetworkPolicy$/.test(o.kind) && o.metadata.namespace === namespace));
const globalServiceViolations = (objects: readonly unknown[]) =>
  sharedValidator()
    .validateObjects(objects)
    .filter((v) => v.rule === 'global-service')
    .map(formatViolation);

/** A global Service in `web` and the Deployment behind it. */
function webApp(annotations: Record<string, string> = GLOBAL): any[] {
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'web', annotations }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', tier: 'frontend' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
    },
  ];
}
const networkPolicy = (spec: Record<string, unknown>, namespace = 'web') => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace }, spec });
const ciliumPolicy = (spec: Record<string, unknown>, namespace = 'web') => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'p', namespace }, spec });
const ingressFromWeb = [{ fromEndpoints: [{ matchLabels: { app: 'web' } }] }];

describe('global-service rule', () => {
  test.each(['omantel.yaml', 'three-regions.yaml'])('passes every region of the shipped example %s', (file) => {
    const output = synthesizeSovereign(loadSovereignConfig(join(EXAMPLES, file)));
    for (const { objects } of output.regions) expect(globalServiceViolations(objects)).toEqual([]);
  });

  describe('CNPG managed additional Services', () => {
    test('fails when the primary region renders the pair without its policy, naming the Cluster, the Service and the fix', () => {
      expect(globalServiceViolations(region(FSN))).toEqual([]);
      expect(globalServiceViolations(withoutPolicies(region(FSN), MYDB.namespace))).toEqual([
        'Cluster/tenant-a/mydb: spec.managed.services.additional[0]: global Service tenant-a/mydb-mesh shares its backends with every cluster of the ClusterMesh, ' +
          'but no NetworkPolicy or CiliumNetworkPolicy in namespace tenant-a selects them (the primary instance of CNPG Cluster mydb, cnpg.io/cluster=mydb), ' +
          'so any pod of any mesh cluster can connect; add an ingress policy that selects these pods and admits only their clients ' +
          '(CnpgHotStandbyPair renders one per Cluster), or drop the global annotation [global-service]',
      ]);
    });

    test('passes the replica region without any policy: its mesh Service is a selector-less stub with shared "false"', () => {
      expect(globalServiceViolations(withoutPolicies(region(HEL), MYDB.namespace))).toEqual([]);
    });

    test('fails for both members of a distributed pair without policies, and passes with them', () => {
      for (const name of [FSN, HEL]) {
        const objects = region(name, [{ ...MYDB, topology: 'distributed' }]);
        expect(globalServiceViolations(objects)).toEqual([]);
        expect(globalServiceViolations(withoutPolicies(objects, MYDB.namespace))).toEqual([expect.stringContaining('mesh shares its backends with every cluster')]);
      }
    });

    test('a policy for another Cluster, or in another namespace, does not count', () => {
      const objects = withoutPolicies(region(FSN), MYDB.namespace);
      const instances = (cluster: string) => ({ endpointSelector: { matchLabels: { 'cnpg.io/cluster': cluster, 'cnpg.io/podRole': 'instance' } }, ingress: ingressFromWeb });
      expect(globalServiceViolations([...objects, ciliumPolicy(instances('other'), MYDB.namespace)])).toHaveLength(1);
      expect(globalServiceViolations([...objects, ciliumPolicy(instances('mydb'), 'elsewhere')])).toHaveLength(1);
      expect(globalServiceViolations([...objects, ciliumPolicy(instances('mydb'), MYDB.namespace)])).toEqual([]);
    });

    test('a namespace-wide NetworkPolicy covers the instances; one selecting on the primary role covers an rw Service', () => {
      const objects = withoutPolicies(region(FSN), MYDB.namespace);
      expect(globalServiceViolations([...objects, networkPolicy({ podSelector: {}, policyTypes: ['Ingress'] }, MYDB.namespace)])).toEqual([]);
      const primaryOnly = { podSelector: { matchLabels: { 'cnpg.io/cluster': 'mydb' }, matchExpressions: [{ key: 'cnpg.io/instanceRole', operator: 'In', values: ['primary'] }] } };
      expect(globalServiceViolations([...objects, networkPolicy(primaryOnly, MYDB.namespace)])).toEqual([]);
    });
  });

  describe('plain Services', () => {
    test('fails when no policy selects the pods behind a global Service', () => {
      expect(globalServiceViolations(webApp())).toEqual([expect.stringContaining('Service/web/web: metadata.annotations: global Service web/web shares its backends with every cluster of the ClusterMesh')]);
      expect(globalServiceViolations(webApp())[0]).toContain('selects them (pods with app=web)');
    });

    test('passes when a NetworkPolicy or a CiliumNetworkPolicy selects them, by any label of their pod template', () => {
      expect(globalServiceViolations([...webApp(), networkPolicy({ podSelector: { matchLabels: { tier: 'frontend' } } })])).toEqual([]);
      expect(globalServiceViolations([...webApp(), ciliumPolicy({ endpointSelector: { matchLabels: { 'k8s:app': 'web' } }, ingress: ingressFromWeb })])).toEqual([]);
      expect(globalServiceViolations([...webApp(), ciliumPolicy({ endpointSelector: {}, ingressDeny: [{ fromEntities: ['world'] }] })])).toEqual([]);
    });

    test('passes a cluster-wide Cilium policy that selects the namespace', () => {
      const clusterwide = { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'p' }, spec: { endpointSelector: { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'web' } }, ingress: [{}] } };
      expect(globalServiceViolations([...webApp(), clusterwide])).toEqual([]);
      const otherNamespace = structuredClone(clusterwide);
      otherNamespace.spec.endpointSelector.matchLabels['k8s:io.kubernetes.pod.namespace'] = 'other';
      expect(globalServiceViolations([...webApp(), otherNamespace])).toHaveLength(1);
    });

    test('fails when the only policies do not isolate ingress', () => {
      const egressOnly = networkPolicy({ podSelector: {}, policyTypes: ['Egress'] });
      const ciliumEgressOnly = ciliumPolicy({ endpointSelector: {}, egress: [{ toEntities: ['world'] }] });
      const noDefaultDeny = ciliumPolicy({ endpointSelector: {}, ingress: ingressFromWeb, enableDefaultDeny: { ingress: false } });
      const elsewhere = networkPolicy({ podSelector: {} }, 'other');
      const wrongPods = networkPolicy({ podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] } });
      for (const policy of [egressOnly, ciliumEgressOnly, noDefaultDeny, elsewhere, wrongPods]) {
        expect(globalServiceViolations([...webApp(), policy])).toHaveLength(1);
      }
    });

    test('passes a selector-less or a shared "false" global Service: no local backends go to the mesh', () => {
      const [service] = webApp();
      delete service.spec.selector;
      expect(globalServiceViolations([service])).toEqual([]);
      expect(globalServiceViolations(webApp({ ...GLOBAL, 'service.cilium.io/shared': 'false' }))).toEqual([]);
      expect(globalServiceViolations(webApp({ 'service.cilium.io/global': 'false' }))).toEqual([]);
    });

    test('fails when OpenBao\'s openbao-primary loses the policies that select the servers', () => {
      const objects = region(FSN).filter((o) => !(o.metadata.namespace === 'openbao' && (['openbao-server-ingress', 'default-deny', 'openbao-primary-remote-callers', 'openbao-snapshot-backup-to-server'].includes(o.metadata.name))));
      expect(globalServiceViolations(objects)).toEqual([expect.stringContaining('global Service openbao/openbao-primary shares its backends')]);
    });
  });

  test('validating files checks each folder as one cluster', () => {
    const root = mkdtempSync(join(tmpdir(), 'global-service-'));
    const [service, deployment] = webApp();
    mkdirSync(join(root, 'a'));
    mkdirSync(join(root, 'b'));
    // The policy sits in another cluster's folder: it does not protect these pods.
    writeFileSync(join(root, 'a', 'web.yaml'), [service, deployment].map((o) => stringify(o)).join('---\n'));
    writeFileSync(join(root, 'b', 'policy.yaml'), stringify(networkPolicy({ podSelector: {} })));
    const violations = sharedValidator().validateDirectory(root).violations.filter((v) => v.rule === 'global-service');
    expect(violations.map((v) => [v.file?.endsWith(join('a', 'web.yaml')), v.object])).toEqual([[true, 'Service/web/web']]);
  });
});
