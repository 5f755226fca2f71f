import { CILIUM_CLUSTER_LABEL, CILIUM_GLOBAL, CILIUM_POD_NAMESPACE_LABEL, CILIUM_SHARED } from '../mesh/cluster-mesh';
import { labelsLookup, selectorMatches } from './label-selector';
import { describeObject, type Manifest, type Violation } from './violation';

// A ClusterMesh-global Service makes its backends reachable from every cluster of the mesh. Unless a network policy
// selects those backends, any pod anywhere in the mesh can connect to them. Checked across the objects of one
// cluster, like the other cross-object rules.

type Obj = { readonly [key: string]: unknown };
type Labels = Readonly<Record<string, string>>;
/** A policy that puts the pods it selects into ingress default-deny. */
interface IngressPolicy {
  /** Namespace the policy applies in; undefined for a cluster-wide policy. */
  readonly namespace?: string;
  /** The policy's pod selector as the manifest has it (`podSelector`, `endpointSelector`). */
  readonly selector: unknown;
  /** Cilium selectors: keys may carry a source prefix (`k8s:`, `any:`) and name the namespace as a label. */
  readonly cilium: boolean;
}
/** What a global Service sends traffic to in this cluster: label sets of its backend pods. */
interface GlobalBackends {
  readonly manifest: Manifest;
  readonly file?: string;
  readonly path: string;
  readonly service: string;
  readonly namespace: string;
  readonly pods: readonly Labels[];
  /** The backends in words, for the message. */
  readonly described: string;
}

const POD_TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'Pod']);

/** Every global Service among the objects of one cluster whose local backends no network policy selects. */
export function checkGlobalServices(entries: readonly { readonly object: unknown; readonly file?: string }[]): Violation[] {
  const manifests = entries.filter((e): e is { object: Manifest; file?: string } => typeof e.object === 'object' && e.object !== null && !Array.isArray(e.object));
  const policies = manifests.flatMap(({ object }) => ingressPolicies(object));
  const templates = manifests.flatMap(({ object }) => podTemplate(object));
  const violations: Violation[] = [];
  for (const backends of manifests.flatMap(({ object, file }) => globalBackends(object, file, templates))) {
    const uncovered = backends.pods.filter((labels) => !policies.some((policy) => selects(policy, backends.namespace, labels)));
    if (uncovered.length === 0) continue;
    violations.push({
      ...(backends.file !== undefined ? { file: backends.file } : {}),
      object: describeObject(backends.manifest),
      path: backends.path,
      rule: 'global-service',
      message:
        `global Service ${backends.namespace}/${backends.service} shares its backends with every cluster of the ClusterMesh, but no NetworkPolicy or ` +
        `CiliumNetworkPolicy in namespace ${backends.namespace} selects them (${backends.described}), so any pod of any mesh cluster can connect; ` +
        'add an ingress policy that selects these pods and admits only their clients (CnpgHotStandbyPair renders one per Cluster), or drop the global annotation',
    });
  }
  return violations;
}

function globalBackends(manifest: Manifest, file: string | undefined, templates: readonly { namespace: string; labels: Labels }[]): GlobalBackends[] {
  const namespace = String(manifest.metadata?.namespace ?? '');
  const at = (path: string, service: string, pods: readonly Labels[], described: string): GlobalBackends => ({
    manifest,
    ...(file !== undefined ? { file } : {}),
    path,
    service,
    namespace,
    pods,
    described,
  });
  if (manifest.kind === 'Service' && manifest.apiVersion === 'v1' && sharesGlobally(manifest.metadata?.annotations)) {
    const selector = labelMap(((manifest as Obj).spec as Obj | undefined)?.selector);
    // No selector: nothing here picks pods (the stub of a Service whose backends live in another cluster, or
    // hand-written EndpointSlices this rule cannot see).
    if (selector === undefined || Object.keys(selector).length === 0) return [];
    const matching = templates.filter((t) => t.namespace === namespace && Object.entries(selector).every(([k, v]) => t.labels[k] === v)).map((t) => t.labels);
    return [at('metadata.annotations', String(manifest.metadata?.name), matching.length > 0 ? matching : [selector], `pods with ${describeLabels(selector)}`)];
  }
  if (manifest.kind === 'Cluster' && typeof manifest.apiVersion === 'string' && manifest.apiVersion.startsWith('postgresql.cnpg.io/')) {
    const spec = ((manifest as Obj).spec as Obj | undefined) ?? {};
    const additional = ((((spec.managed as Obj | undefined)?.services as Obj | undefined)?.additional as Obj[] | undefined) ?? []);
    const cluster = String(manifest.metadata?.name);
    const inherited = labelMap((spec.inheritedMetadata as Obj | undefined)?.labels) ?? {};
    return additional.flatMap((service, index) => {
      const metadata = ((service.serviceTemplate as Obj | undefined)?.metadata as Obj | undefined) ?? {};
      if (!sharesGlobally(metadata.annotations)) return [];
      // CNPG sets the selector of a managed Service itself: rw the primary, ro the replicas, r every instance
      // (cloudnative-pg pkg/specs/services.go BuildManagedServices at v1.30.0).
      const roles = service.selectorType === 'rw' ? ['primary'] : service.selectorType === 'ro' ? ['replica'] : ['primary', 'replica'];
      const pods = roles.map((role) => ({ ...inherited, ...cnpgInstancePodLabels(cluster, role) }));
      const described = `the ${service.selectorType === 'rw' ? 'primary instance' : service.selectorType === 'ro' ? 'replica instances' : 'instances'} of CNPG Cluster ${cluster}, cnpg.io/cluster=${cluster}`;
      return [at(`spec.managed.services.additional[${index}]`, String(metadata.name ?? `${cluster}-additional-${index}`), pods, described)];
    });
  }
  return [];
}

// The labels CNPG gives an instance pod (cloudnative-pg pkg/specs/pods.go buildInstance, pkg/utils SetInstanceRole at v1.30.0),
// without the instance name and PostgreSQL version, which a rendered manifest cannot know.
function cnpgInstancePodLabels(cluster: string, role: string): Labels {
  return {
    'cnpg.io/cluster': cluster,
    'cnpg.io/podRole': 'instance',
    'cnpg.io/instanceRole': role,
    role,
    'app.kubernetes.io/name': 'postgresql',
    'app.kubernetes.io/instance': cluster,
    'app.kubernetes.io/component': 'database',
    'app.kubernetes.io/managed-by': 'cloudnative-pg',
  };
}

// `shared: "false"` keeps a cluster's backends out of the global Service: no other cluster reaches them through it.
function sharesGlobally(annotations: unknown): boolean {
  const map = labelMap(annotations) ?? {};
  return map[CILIUM_GLOBAL]?.toLowerCase() === 'true' && map[CILIUM_SHARED]?.toLowerCase() !== 'false';
}

function ingressPolicies(manifest: Manifest): IngressPolicy[] {
  const namespace = typeof manifest.metadata?.namespace === 'string' ? manifest.metadata.namespace : '';
  const spec = (manifest as Obj).spec as Obj | undefined;
  if (manifest.kind === 'NetworkPolicy' && manifest.apiVersion === 'networking.k8s.io/v1' && spec !== undefined) {
    // Without policyTypes a NetworkPolicy always isolates ingress (networking.k8s.io/v1 NetworkPolicySpec.policyTypes).
    const types = Array.isArray(spec.policyTypes) ? (spec.policyTypes as unknown[]) : ['Ingress'];
    return types.includes('Ingress') ? [{ namespace, selector: spec.podSelector ?? {}, cilium: false }] : [];
  }
  if ((manifest.kind === 'CiliumNetworkPolicy' || manifest.kind === 'CiliumClusterwideNetworkPolicy') && manifest.apiVersion === 'cilium.io/v2') {
    const rules = [spec, ...(Array.isArray((manifest as Obj).specs) ? ((manifest as Obj).specs as Obj[]) : [])].filter((r): r is Obj => typeof r === 'object' && r !== null);
    // A rule with ingress sections puts the endpoints it selects into ingress default-deny unless enableDefaultDeny.ingress
    // is false (CiliumNetworkPolicy CRD, enableDefaultDeny, v1.17.3).
    return rules
      .filter((r) => (r.ingress !== undefined || r.ingressDeny !== undefined) && (r.enableDefaultDeny as Obj | undefined)?.ingress !== false && r.endpointSelector !== undefined)
      .map((r) => ({ namespace: manifest.kind === 'CiliumNetworkPolicy' ? namespace : undefined, selector: r.endpointSelector, cilium: true }));
  }
  return [];
}

function podTemplate(manifest: Manifest): { namespace: string; labels: Labels }[] {
  if (typeof manifest.kind !== 'string' || !POD_TEMPLATE_KINDS.has(manifest.kind)) return [];
  const spec = (manifest as Obj).spec as Obj | undefined;
  const metadata =
    manifest.kind === 'Pod'
      ? (manifest.metadata as Obj | undefined)
      : manifest.kind === 'CronJob'
        ? ((((spec?.jobTemplate as Obj | undefined)?.spec as Obj | undefined)?.template as Obj | undefined)?.metadata as Obj | undefined)
        : ((spec?.template as Obj | undefined)?.metadata as Obj | undefined);
  const labels = labelMap(metadata?.labels);
  return labels === undefined ? [] : [{ namespace: String(manifest.metadata?.namespace ?? ''), labels }];
}

/** Whether `policy` selects a pod with `labels` in `namespace`. */
function selects(policy: IngressPolicy, namespace: string, labels: Labels): boolean {
  if (policy.namespace !== undefined && policy.namespace !== namespace) return false;
  if (!policy.cilium) return selectorMatches(policy.selector, labelsLookup(labels));
  return selectorMatches(policy.selector, (raw) => {
    const key = raw.replace(/^(k8s|any):/, '');
    if (/^[a-z0-9-]+:/.test(key)) return { known: true, value: undefined }; // reserved:, container:, ... never a pod label
    if (key === CILIUM_POD_NAMESPACE_LABEL || key === 'io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name') return { known: true, value: namespace };
    if (key === CILIUM_CLUSTER_LABEL) return { known: false }; // the cluster's own name: not in the manifests
    return labelsLookup(labels)(key);
  });
}

function labelMap(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.fromEntries(Object.entries(value as Obj).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

function describeLabels(labels: Labels): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}
