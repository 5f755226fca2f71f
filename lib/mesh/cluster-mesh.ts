/** Cilium ClusterMesh service annotations (global services span every cluster of the mesh). */
export const CILIUM_GLOBAL = 'service.cilium.io/global';
export const CILIUM_SHARED = 'service.cilium.io/shared';
export const CILIUM_AFFINITY = 'service.cilium.io/affinity';
/** Namespace annotation: share this namespace's services and identities with the mesh (Cilium 1.18+ opt-in mode). */
export const CLUSTERMESH_GLOBAL_NAMESPACE = 'clustermesh.cilium.io/global';

// Labels Cilium derives for every endpoint (cilium/cilium pkg/k8s/apis/cilium.io/const.go).
/** The ClusterMesh cluster an endpoint runs in (`PolicyLabelCluster`). */
export const CILIUM_CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';
/** A pod endpoint's namespace (`PodNamespaceLabel`). */
export const CILIUM_POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
/** {@link CILIUM_POD_NAMESPACE_LABEL} with the `k8s:` source prefix, as selectors write it. */
export const CILIUM_NAMESPACE_LABEL = `k8s:${CILIUM_POD_NAMESPACE_LABEL}`;

/**
 * Which backends a global service prefers. `none` is deliberately absent: Cilium 1.18.10–1.19 drops remote
 * backends of a global service annotated `affinity: none`, which would cut cross-region replication.
 */
export enum MeshAffinity {
  /** Prefer backends in the local cluster, fail over to remote ones. */
  LOCAL = 'local',
  /** Prefer backends in remote clusters. */
  REMOTE = 'remote',
}

/** Annotations of a global service whose local backends are shared with the mesh. */
export function globalServiceAnnotations(affinity?: MeshAffinity): Record<string, string> {
  if (affinity !== undefined && !Object.values(MeshAffinity).includes(affinity)) {
    throw new Error(
      `mesh affinity "${String(affinity)}" is not allowed; use "local" or "remote" (Cilium 1.18.10–1.19 drops remote backends with "none")`,
    );
  }
  return { [CILIUM_GLOBAL]: 'true', ...(affinity === undefined ? {} : { [CILIUM_AFFINITY]: affinity }) };
}

/** Annotations of a backend-less stub: the name exists in this cluster, the backends live in another. */
export function globalStubAnnotations(): Record<string, string> {
  return { [CILIUM_GLOBAL]: 'true', [CILIUM_SHARED]: 'false' };
}
