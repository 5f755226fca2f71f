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
  // Rank and identity are computed once per object, not once per comparison.
  const keyed = objects.map((object) => ({ object, rank: rank(object), key: `${object.apiVersion}\u0000${object.kind}\u0000${object.metadata.namespace ?? ''}\u0000${object.metadata.name}` }));
  keyed.sort((a, b) => a.rank - b.rank || compare(a.key, b.key));
  return keyed.map((entry) => entry.object);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
