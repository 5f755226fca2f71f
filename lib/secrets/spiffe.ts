import { createHash } from 'node:crypto';

/** A Kubernetes workload as SPIFFE sees it: its namespace and service account. */
export interface WorkloadRef {
  readonly namespace: string;
  readonly serviceAccount: string;
  /**
   * Further SPIFFE path segments when one workload holds several identities, e.g. ESO acting for one tenant in one
   * region: `spiffe://<td>/ns/<ns>/sa/<sa>/<path...>`. @default - none
   */
  readonly path?: readonly string[];
}

/** External Secrets Operator's controller (the ESO Helm chart's defaults). */
export const ESO_WORKLOAD: WorkloadRef = { namespace: 'external-secrets-system', serviceAccount: 'external-secrets' };
/** Pod labels of ESO's controller, as the ESO Helm chart sets them. */
export const ESO_POD_LABELS = { 'app.kubernetes.io/name': 'external-secrets' } as const;

/** The nativePerformance replication Job's identity. */
export const REPLICATOR_WORKLOAD: WorkloadRef = { namespace: 'openbao', serviceAccount: 'openbao-replicator' };
/** Pod labels of the replication Jobs (the nativePerformance Job, the raftSnapshot verifier). */
export const REPLICATOR_POD_LABELS = { 'app.kubernetes.io/name': 'openbao-replicator' } as const;
/**
 * raftSnapshot replication identities, split so that none the primary admits from another cluster can restore:
 * pulling (snapshot read) crosses the mesh; restoring (snapshot-force) is bound to loopback, used from inside a
 * replica's server pod; verifying reads back a heartbeat.
 */
export const REPLICATION_PULL: WorkloadRef = { namespace: 'openbao', serviceAccount: 'openbao-replication-pull' };
export const REPLICATION_RESTORE: WorkloadRef = { namespace: 'openbao', serviceAccount: 'openbao-replication-restore' };
export const REPLICATION_VERIFIER: WorkloadRef = { namespace: 'openbao', serviceAccount: 'openbao-replication-verifier' };
/** The primary region's snapshot backup CronJob: reads Raft snapshots of its own region's OpenBao, nothing else. */
export const SNAPSHOT_BACKUP: WorkloadRef = { namespace: 'openbao', serviceAccount: 'openbao-snapshot-backup' };
/** Pod labels of the snapshot backup Jobs (their network policies select them). */
export const SNAPSHOT_BACKUP_POD_LABELS = { 'app.kubernetes.io/name': 'openbao-snapshot-backup' } as const;

/**
 * `spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>`: the one place SPIFFE IDs are made, so the URI SAN
 * in a workload's certificate and the `allowed_uri_sans` OpenBao binds cannot drift apart.
 */
export function spiffeId(trustDomain: string, workload: WorkloadRef): string {
  const path = workload.path === undefined || workload.path.length === 0 ? '' : `/${workload.path.join('/')}`;
  return `spiffe://${trustDomain}/ns/${workload.namespace}/sa/${workload.serviceAccount}${path}`;
}

/**
 * The certificate CN of an identity that carries a SPIFFE path beyond `ns/<ns>/sa/<sa>`: its path segments joined
 * with dots, or, past X.509's 64 characters, a readable head and a hash of the whole ID, so it stays unique.
 */
export function pathIdentityCommonName(workload: WorkloadRef): string {
  const full = [...(workload.path ?? [])].join('.');
  if (full.length <= 64) return full;
  const hash = createHash('sha256').update(`${workload.namespace}/${workload.serviceAccount}/${full}`).digest('hex').slice(0, 16);
  return `${full.slice(0, 64 - hash.length - 1)}.${hash}`;
}
