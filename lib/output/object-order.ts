import type { KubeObject } from '../sovereign/synthesize';

// Apply order for core kinds: what others depend on first (as Helm and kustomize order them).
// Custom resources come after every core kind, since their CRDs may be installed by the same reconciler.
const CORE_KIND_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'StorageClass',
  'PersistentVolumeClaim',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'Deployment',
  'StatefulSet',
  'Job',
  'CronJob',
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
];

function isCoreApi(apiVersion: string): boolean {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
}

function rank(object: KubeObject): number {
  const index = CORE_KIND_ORDER.indexOf(object.kind);
  if (isCoreApi(object.apiVersion)) {
    return index === -1 ? CORE_KIND_ORDER.length : index;
  }
  return CORE_KIND_ORDER.length + 1;
}

/** Sorts objects into a stable apply order: Namespaces, then core kinds, then custom resources; ties by identity. */
export function sortForApply(objects: readonly KubeObject[]): KubeObject[] {
  // The rank is computed once per object, not once per comparison; the identity is compared field by field, as the
  // NUL-joined key `apiVersion, kind, namespace ?? '', name` compares (no field holds a NUL), without building it.
  const keyed = objects.map((object) => ({ object, rank: rank(object) }));
  keyed.sort((a, b) => a.rank - b.rank || compareIdentity(a.object, b.object));
  return keyed.map((entry) => entry.object);
}

function compareIdentity(a: KubeObject, b: KubeObject): number {
  return (
    compare(a.apiVersion, b.apiVersion) ||
    compare(a.kind, b.kind) ||
    compare(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    compare(`${a.metadata.name}`, `${b.metadata.name}`)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
