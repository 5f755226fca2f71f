/** ACL capabilities of OpenBao policies. */
export type Capability = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo' | 'deny';

/** An OpenBao ACL policy as data; serialized to the JSON form OpenBao accepts wherever it accepts HCL. */
export interface AclPolicy {
  readonly name: string;
  readonly paths: Readonly<Record<string, readonly Capability[]>>;
}

export function renderPolicy(policy: AclPolicy): string {
  return JSON.stringify({ path: Object.fromEntries(Object.entries(policy.paths).map(([path, capabilities]) => [path, { capabilities }])) });
}

/**
 * OpenBao cert auth roles of the platform's own workloads, each named after the one policy it grants. ESO's roles are
 * per tenant (`eso-read-<tenant>`, `eso-push-<tenant>`, see secrets/tenancy.ts).
 */
export const CERT_ROLES = {
  replicator: 'replicator',
  replicationPull: 'replication-pull',
  replicationRestore: 'replication-restore',
  replicationVerify: 'replication-verify',
  snapshotBackup: 'snapshot-backup',
  breakGlass: 'break-glass',
} as const;

/** Where a replica region's heartbeat lives (kv-v2 key under `secret/`): written on the primary, read back after a restore. */
export function heartbeatKey(sovereign: string, region: string): string {
  return `sovereign/${sovereign}/_replication/heartbeat/${region}`;
}

/** Least-privilege policies of the replication workloads (§5); none of them reaches a tenant's keys. */
export function replicationPolicies(sovereign: string, nativeReplication = false): readonly AclPolicy[] {
  const heartbeats = `secret/data/sovereign/${sovereign}/_replication/heartbeat/*`;
  return nativeReplication
      ? [
          {
            // Vault's performance-replication API, for the opt-in nativePerformance mechanism only.
            name: CERT_ROLES.replicator,
            paths: {
              'sys/replication/performance/status': ['read'],
              'sys/replication/performance/primary/enable': ['update'],
              'sys/replication/performance/primary/secondary-token': ['update', 'sudo'],
              'sys/replication/performance/secondary/enable': ['update', 'sudo'],
            },
          },
        ]
      : [
          // The only replication identity the primary admits from other clusters: it reads snapshots and writes the
          // heartbeat it later reads back on the replica. It can never restore.
          { name: CERT_ROLES.replicationPull, paths: { 'sys/storage/raft/snapshot': ['read'], [heartbeats]: ['create', 'update', 'read'] } },
          // Restores: its role only admits logins from loopback, i.e. from inside a server pod of the region itself. It
          // restores without force, so a snapshot the local seal cannot open is refused instead of sealing the region
          // (vault/logical_system_raft.go, v2.6.2: force skips the seal check).
          { name: CERT_ROLES.replicationRestore, paths: { 'sys/storage/raft/snapshot': ['update'] } },
          // The verifier reads the heartbeat back on the replica.
          { name: CERT_ROLES.replicationVerify, paths: { [heartbeats]: ['read'] } },
        ];
}

/**
 * The snapshot backup's policy: it saves Raft snapshots (GET sys/storage/raft/snapshot is a read, and not a root path
 * needing sudo: vault/logical_system_raft.go and vault/logical_system.go PathsSpecial, v2.6.2) and can do nothing else —
 * no restore (an update there), no key of any tenant. Snapshot read already crosses the mesh as `replication-pull`,
 * so this identity adds no capability another cluster lacks.
 */
export function snapshotBackupPolicy(): AclPolicy {
  return { name: CERT_ROLES.snapshotBackup, paths: { 'sys/storage/raft/snapshot': ['read'] } };
}

/**
 * The break-glass administrator's policy: everything, as a root token would have. Self-init revokes its root token
 * and creates no recovery keys, so without it nobody could ever rotate the trust CA, fix a policy or remove a dead
 * Raft peer. Its cert role admits only an offline-held identity, and only from loopback (see OpenBaoRegion).
 */
export function breakGlassPolicy(): AclPolicy {
  return { name: CERT_ROLES.breakGlass, paths: { '*': ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo'] } };
}
