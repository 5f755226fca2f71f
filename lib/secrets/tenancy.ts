import { DNS1123_LABEL } from '../common/kube-values';
import type { AclPolicy } from '../openbao/acl-policy';
import { ESO_WORKLOAD, spiffeId, type WorkloadRef } from './spiffe';

/** What a tenant's namespaces may do with its keys through ESO. */
export enum SecretAccess {
  /** ExternalSecrets read from the region's own OpenBao (store `bao-local-<tenant>`). */
  READ = 'read',
  /** PushSecrets write to the Sovereign's primary (store `bao-primary-<tenant>`). */
  PUSH = 'push',
}

/**
 * One tenant of a Sovereign's secrets: the namespaces that may use its stores, the one key prefix its stores can
 * reach, and the regions where they exist. Stores, OpenBao policies and cert roles, and the SVIDs ESO logs in with
 * are all derived from this record (see the functions below), so the three places that enforce tenancy cannot drift.
 */
export interface SecretTenant {
  /** Tenant name: a DNS-1123 label for declared tenants, `cnpg.<namespace>` for a database namespace's hand-over. */
  readonly name: string;
  /** The namespaces whose ExternalSecrets and PushSecrets may use the tenant's stores. */
  readonly namespaces: readonly string[];
  /** The kv-v2 key prefix (under the `secret/` mount) the tenant owns, ending in `/`, e.g. `sovereign/omantel/acme/`. */
  readonly keyPrefix: string;
  /** Regions whose cluster gets a `bao-local-<tenant>` store (reads from that region's OpenBao). */
  readonly readRegions: readonly string[];
  /** Regions whose cluster gets a `bao-primary-<tenant>` store (writes to the primary). */
  readonly pushRegions: readonly string[];
  /** True for tenants the library derives itself (a database namespace's TLS hand-over). */
  readonly system: boolean;
}

/** Key prefixes below `sovereign/<s>/` that the library itself uses; declared tenants may not claim them. */
export const RESERVED_KEY_SEGMENTS: readonly string[] = ['cnpg', '_replication'];

/** The ClusterSecretStore of a tenant for one kind of access. */
export function tenantStoreName(tenant: Pick<SecretTenant, 'name'>, access: SecretAccess): string {
  return `${access === SecretAccess.READ ? 'bao-local' : 'bao-primary'}-${tenant.name}`;
}

/** The OpenBao cert auth role (and its one policy, of the same name) a tenant's store logs in with. */
export function tenantRoleName(tenant: Pick<SecretTenant, 'name'>, access: SecretAccess): string {
  return `eso-${access}-${tenant.name}`;
}

/**
 * The identity ESO presents for one tenant, one access and one region: ESO's own SPIFFE ID with the tenant, the
 * access and the region appended, so that no two stores share a login and an SVID only opens the role of the region
 * it was issued in.
 */
export function tenantWorkload(tenant: Pick<SecretTenant, 'name'>, access: SecretAccess, region: string): WorkloadRef {
  return { ...ESO_WORKLOAD, path: ['tenant', tenant.name, access, 'region', region] };
}

/** A tenant's cert auth role as OpenBao's self-initialisation writes it: its policy and the SVIDs it admits. */
export interface TenantCertRole {
  readonly role: string;
  readonly policy: AclPolicy;
  /** SPIFFE IDs of the tenant's stores for this access, one per region that has such a store. */
  readonly allowedUris: readonly string[];
}

/** The cert roles of every tenant: one per tenant and access that has a store somewhere. */
export function tenantCertRoles(tenants: readonly SecretTenant[], trustDomain: string): TenantCertRole[] {
  return tenants.flatMap((tenant) =>
    ([[SecretAccess.READ, tenant.readRegions], [SecretAccess.PUSH, tenant.pushRegions]] as const)
      .filter(([, regions]) => regions.length > 0)
      .map(([access, regions]) => ({
        role: tenantRoleName(tenant, access),
        policy: tenantPolicy(tenant, access),
        allowedUris: regions.map((region) => spiffeId(trustDomain, tenantWorkload(tenant, access, region))),
      })),
  );
}

/** Name of the Certificate and Secret holding a tenant store's SVID (in ESO's namespace). */
export function tenantSvidName(tenant: Pick<SecretTenant, 'name'>, access: SecretAccess): string {
  return `eso-${tenant.name}-${access}-svid`;
}

/** The least-privilege ACL policy of a tenant's role: reads, or ESO's push (write, and read to compare first). */
export function tenantPolicy(tenant: SecretTenant, access: SecretAccess): AclPolicy {
  const data = `secret/data/${tenant.keyPrefix}*`;
  const metadata = `secret/metadata/${tenant.keyPrefix}*`;
  return {
    name: tenantRoleName(tenant, access),
    paths:
      access === SecretAccess.READ
        ? { [data]: ['read'], [metadata]: ['read', 'list'] }
        : // ESO reads the data and the metadata (its managed-by mark), writes custom_metadata, then the data; it never
          // lists (external-secrets providers/v1/vault/client_push.go PushSecret, v2.9.0).
          { [data]: ['create', 'update', 'read'], [metadata]: ['create', 'update', 'read'] },
  };
}

/** Both prefixes are equal or one lies inside the other. */
export { keyPrefixOverlap as keyPrefixesOverlap } from '../validate/tenancy-access';

/** Every store a tenant has, one row per region and access: the tenancy table. */
export interface TenancyRow {
  readonly tenant: string;
  readonly namespaces: readonly string[];
  readonly keyPrefix: string;
  readonly region: string;
  readonly access: SecretAccess;
  readonly store: string;
  readonly role: string;
}

/** The tenancy table of a Sovereign: who may read or write which prefix, through which store, in which region. */
export function tenancyRows(tenants: readonly SecretTenant[]): TenancyRow[] {
  return tenants.flatMap((tenant) =>
    ([[SecretAccess.READ, tenant.readRegions], [SecretAccess.PUSH, tenant.pushRegions]] as const).flatMap(([access, regions]) =>
      regions.map((region) => ({
        tenant: tenant.name,
        namespaces: tenant.namespaces,
        keyPrefix: tenant.keyPrefix,
        region,
        access,
        store: tenantStoreName(tenant, access),
        role: tenantRoleName(tenant, access),
      })),
    ),
  );
}

/** The tenancy table as Markdown, for the README and `sovereign tenancy`. */
export function tenancyMarkdown(tenants: readonly SecretTenant[]): string {
  const lines = ['| tenant | namespaces | key prefix | region | access | store | OpenBao role |', '|---|---|---|---|---|---|---|'];
  for (const row of tenancyRows(tenants)) {
    lines.push(`| ${row.tenant} | ${row.namespaces.join(', ')} | \`${row.keyPrefix}\` | ${row.region} | ${row.access} | \`${row.store}\` | \`${row.role}\` |`);
  }
  return `${lines.join('\n')}\n`;
}

/** Why a tenant record cannot be rendered, as problem strings (empty when it can). */
export function tenantProblems(tenant: SecretTenant, sovereign: string): string[] {
  const problems: string[] = [];
  const isSystem = tenant.system && /^cnpg\.[a-z0-9-]+$/.test(tenant.name) && DNS1123_LABEL.test(tenant.name.slice(5));
  if (!isSystem && !DNS1123_LABEL.test(tenant.name)) problems.push(`name: ${JSON.stringify(tenant.name)} must be a DNS-1123 label`);
  if (tenant.name.length > 40) problems.push(`name: "${tenant.name}" must be at most 40 characters (it names stores, roles and certificates)`);
  if (tenant.namespaces.length === 0) problems.push('namespaces: must list at least one namespace');
  for (const namespace of tenant.namespaces) {
    if (!DNS1123_LABEL.test(namespace) || namespace.length > 63) problems.push(`namespaces: ${JSON.stringify(namespace)} must be a namespace name (a DNS-1123 label)`);
  }
  const root = `sovereign/${sovereign}/`;
  if (!tenant.keyPrefix.startsWith(root) || tenant.keyPrefix === root || !tenant.keyPrefix.endsWith('/') || tenant.keyPrefix.split('/').includes('..')) {
    problems.push(`keyPrefix: "${tenant.keyPrefix}" must be a folder below "${root}" ending in "/"`);
  }
  if (tenant.readRegions.length + tenant.pushRegions.length === 0) problems.push('regions: the tenant has no store in any region');
  return problems;
}

/** Why `remoteKey` is not a key of `tenant` (undefined when it is); `field` prefixes the message when given. */
export function tenantKeyProblem(tenant: SecretTenant, remoteKey: string, field?: string): string | undefined {
  if (remoteKey.startsWith(tenant.keyPrefix) && remoteKey.length > tenant.keyPrefix.length && !remoteKey.split('/').includes('..')) return undefined;
  const problem = `"${remoteKey}" is outside tenant ${tenant.name}'s prefix "${tenant.keyPrefix}"; its stores can reach only keys under "${tenant.keyPrefix}..."`;
  return field === undefined ? problem : `${field}: ${problem}`;
}

/** Why a namespace in a region cannot use a tenant's store for `access` (empty when it can). */
export function tenantUseProblems(tenant: SecretTenant, access: SecretAccess, namespace: string, region: string): string[] {
  if (tenant === undefined || tenant === null || typeof tenant !== 'object') return ['tenant: is required (the SecretTenant whose store to use)'];
  const regions = access === SecretAccess.READ ? tenant.readRegions : tenant.pushRegions;
  return [
    ...(tenant.namespaces.includes(namespace) ? [] : [`namespace: ${namespace} is not a namespace of tenant ${tenant.name} (${tenant.namespaces.join(', ')}); its store would refuse it`]),
    ...(regions.includes(region) ? [] : [`tenant: ${tenant.name} has no ${access} store in region ${region} (its ${access} regions: ${regions.join(', ') || 'none'})`]),
  ];
}

/** A hand-over of CNPG TLS material from one region to another, as far as tenancy is concerned. */
export interface HandoverPlacement {
  readonly namespace: string;
  /** Region where CNPG generated the Secrets (it pushes). */
  readonly fromRegion: string;
  /** Region whose Cluster needs copies (it reads). */
  readonly toRegion: string;
}

/**
 * The system tenants of the database hand-overs: one per database namespace, `cnpg.<namespace>`, owning
 * `sovereign/<s>/cnpg/<namespace>/`, pushing where CNPG generated the material and reading only where a Cluster of
 * that namespace needs it. A namespace that already holds a pair's Secrets is the only one that can read them back.
 */
export function handoverTenants(sovereign: string, handovers: readonly HandoverPlacement[]): SecretTenant[] {
  const byNamespace = new Map<string, { read: Set<string>; push: Set<string> }>();
  for (const handover of handovers) {
    const entry = byNamespace.get(handover.namespace) ?? { read: new Set<string>(), push: new Set<string>() };
    entry.push.add(handover.fromRegion);
    entry.read.add(handover.toRegion);
    byNamespace.set(handover.namespace, entry);
  }
  return [...byNamespace.entries()].map(([namespace, { read, push }]) => ({
    name: `cnpg.${namespace}`,
    namespaces: [namespace],
    keyPrefix: `sovereign/${sovereign}/cnpg/${namespace}/`,
    readRegions: [...read],
    pushRegions: [...push],
    system: true,
  }));
}
