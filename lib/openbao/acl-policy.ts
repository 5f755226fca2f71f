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

/** Least-privilege policies of the agreed model (§7), scoped to one Sovereign's key prefix. */
export function sovereignPolicies(sovereign: string): { esoRead: AclPolicy; esoPush: AclPolicy; replicator: AclPolicy } {
  const prefix = `sovereign/${sovereign}/*`;
  return {
    // bao-local: reads only.
    esoRead: { name: 'eso-read', paths: { [`secret/data/${prefix}`]: ['read'], [`secret/metadata/${prefix}`]: ['read', 'list'] } },
    // bao-primary: PushSecret writes data and ESO's ownership metadata, and reads both to compare before writing.
    esoPush: {
      name: 'eso-push',
      paths: { [`secret/data/${prefix}`]: ['create', 'update', 'read'], [`secret/metadata/${prefix}`]: ['create', 'update', 'read', 'list'] },
    },
    // The replicator saves a snapshot on the primary and force-restores it into its own region.
    replicator: { name: 'replicator', paths: { 'sys/storage/raft/snapshot': ['read'], 'sys/storage/raft/snapshot-force': ['update'] } },
  };
}
