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
 * OpenBao cert auth roles, each named after the one policy it grants. ESO's stores and the replicator log in with
 * these names, so they are defined once.
 */
export const CERT_ROLES = { esoRead: 'eso-read', esoPush: 'eso-push', replicator: 'replicator', breakGlass: 'break-glass' } as const;

/** Least-privilege policies of the agreed model (§7), scoped to one Sovereign's key prefix. */
export function sovereignPolicies(sovereign: string, nativeReplication = false): { esoRead: AclPolicy; esoPush: AclPolicy; replicator: AclPolicy } {
  const prefix = `sovereign/${sovereign}/*`;
  return {
    // bao-local: reads only.
    esoRead: { name: CERT_ROLES.esoRead, paths: { [`secret/data/${prefix}`]: ['read'], [`secret/metadata/${prefix}`]: ['read', 'list'] } },
    // bao-primary: PushSecret writes data and ESO's ownership metadata, and reads both to compare before writing.
    esoPush: {
      name: CERT_ROLES.esoPush,
      paths: { [`secret/data/${prefix}`]: ['create', 'update', 'read'], [`secret/metadata/${prefix}`]: ['create', 'update', 'read', 'list'] },
    },
    // The replicator saves a snapshot on the primary and force-restores it into its own region.
    replicator: {
      name: CERT_ROLES.replicator,
      paths: nativeReplication
        ? {
            // Vault's performance-replication API, for the opt-in nativePerformance mechanism only.
            'sys/replication/performance/status': ['read'],
            'sys/replication/performance/primary/enable': ['update'],
            'sys/replication/performance/primary/secondary-token': ['update', 'sudo'],
            'sys/replication/performance/secondary/enable': ['update', 'sudo'],
          }
        : { 'sys/storage/raft/snapshot': ['read'], 'sys/storage/raft/snapshot-force': ['update'] },
    },
  };
}

/**
 * The break-glass administrator's policy: everything, as a root token would have. Self-init revokes its root token
 * and creates no recovery keys, so without it nobody could ever rotate the trust CA, fix a policy or remove a dead
 * Raft peer. Its cert role admits only an offline-held identity, and only from loopback (see OpenBaoRegion).
 */
export function breakGlassPolicy(): AclPolicy {
  return { name: CERT_ROLES.breakGlass, paths: { '*': ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo'] } };
}
