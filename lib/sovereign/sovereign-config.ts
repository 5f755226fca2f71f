import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { readPlainYaml } from '../output/plain-yaml-reader';
import type { z } from 'zod';
import { type ConfigIssue, SovereignConfigError } from './config-error';
import { sovereignConfigSchema } from './config-schema';
import type { DatabaseConfig, ObjectStoreConfig, SovereignConfigData } from './config-types';
import { remoteKeyProblem } from '../secrets/remote-key';
import { keyPrefixesOverlap, RESERVED_KEY_SEGMENTS, type SecretTenant, tenantKeyProblem } from '../secrets/tenancy';
import { type HotStandbyResolution, resolveHotStandby } from './hot-standby';
import { defaultPostgresImage, PINNED_POSTGRES_IMAGES } from '../cnpg/postgres-image';
import { standbyTakesOver } from '../cnpg/naming';

/** A region with its defaults applied. */
export interface SovereignRegion {
  /** Region label value (node label under `regionLabelKey`), also the output folder name. */
  readonly name: string;
  /** Cilium ClusterMesh cluster name of the region's Kubernetes cluster. */
  readonly clusterName: string;
  /** The region's OpenBao static seal (its own, or `openbao.seal`). */
  readonly seal: SovereignConfigData['openbao']['seal'];
  /** The region's object store for backups, with `path` resolved (default: the Sovereign name); none when not configured. */
  readonly objectStore?: ObjectStoreConfig & { readonly path: string };
}

/** A database pair with its placement resolved from the hot-standby knob and its own overrides. */
export interface SovereignDatabase extends Omit<DatabaseConfig, 'primaryRegion' | 'replicaRegion' | 'promoted'> {
  /** Region of the primary (or only) Cluster. */
  readonly primaryRegion: string;
  /** Region of the hot standby; undefined renders the single-Cluster shape. */
  readonly replicaRegion?: string;
  readonly promoted: boolean;
}

/** A validated Sovereign config with defaults, environment overrides and derived facts resolved. */
export interface SovereignConfig extends Omit<SovereignConfigData, 'regions' | 'primaryRegion' | 'identity' | 'hotStandby' | 'databases' | 'tenants'> {
  readonly regions: readonly SovereignRegion[];
  /** The OpenBao write primary. */
  readonly primaryRegion: string;
  readonly identity: { readonly trustDomain: string; readonly issuer: SovereignConfigData['identity']['issuer']; readonly issuancePolicy: SovereignConfigData['identity']['issuancePolicy'] };
  /** How database pairs render, after environment overrides (§3). */
  readonly hotStandby: HotStandbyResolution;
  readonly databases: readonly SovereignDatabase[];
  /**
   * The declared tenants, plus one for every `pushSecrets` namespace no tenant lists (owning
   * `sovereign/<sovereign>/<namespace>/`). The database hand-overs' system tenants are added by the Sovereign.
   */
  readonly tenants: readonly SecretTenant[];
  /** Non-fatal findings to print in the synth summary (fallbacks, dev-only settings). */
  readonly warnings: readonly string[];
}

export interface ResolveOptions {
  /** Environment to read the `SOVEREIGN_*` overrides from. Pass `process.env` from an entry point. @default {} */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Turn degenerate hot-standby inputs into errors. @default false */
  readonly strict?: boolean;
  /** Name of the config's origin, used in error messages. @default 'config' */
  readonly source?: string;
}

/** Validates a parsed config object (from YAML, JSON or code). Throws SovereignConfigError with every issue. */
export function resolveSovereignConfig(raw: unknown, options: ResolveOptions = {}): SovereignConfig {
  const source = options.source ?? 'config';
  const parsed = sovereignConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new SovereignConfigError([...parsed.error.issues.map(toConfigIssue), ...rawRegionIssues(raw)], source);
  }
  const data: SovereignConfigData = parsed.data;
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const regionNames = [...new Set(data.regions.map((r) => r.name))];
  const regionList = regionNames.join(', ');

  reportDuplicates(data.regions.map((r) => r.name), (i) => `regions[${i}].name`, 'region name', issues);
  // A defaulted cluster name repeats exactly when the region name does, which is reported already.
  const explicitClusterNames = data.regions.map((r, i) => (r.clusterName !== undefined || data.regions.findIndex((other) => other.name === r.name) === i ? (r.clusterName ?? r.name) : `\u0000${i}`));
  reportDuplicates(explicitClusterNames, (i) => `regions[${i}].clusterName`, 'ClusterMesh cluster name', issues);
  reportDuplicates(data.databases.map((d) => `${d.namespace}/${d.name}`), (i) => `databases[${i}].name`, 'database', issues);
  reportDuplicates(data.pushSecrets.map((p) => `${p.namespace}/${p.name}`), (i) => `pushSecrets[${i}].name`, 'PushSecret', issues);

  let primaryRegion = data.primaryRegion?.trim();
  if (primaryRegion === undefined || primaryRegion === '') {
    if (data.regions.length === 1) {
      primaryRegion = data.regions[0].name;
    } else {
      issues.push({
        path: 'primaryRegion',
        message: `is required when the Sovereign has ${data.regions.length} regions; set it to the OpenBao write primary, one of: ${regionList}`,
      });
      primaryRegion = data.regions[0].name;
    }
  } else if (!regionNames.includes(primaryRegion)) {
    issues.push({ path: 'primaryRegion', value: primaryRegion, message: `is not one of the Sovereign's regions; use one of: ${regionList}` });
  }

  const hotStandby = resolveHotStandby(
    { file: data.hotStandby, sovereignPrimaryRegion: primaryRegion, regionNames, env: options.env ?? {}, strict: options.strict ?? false },
    issues,
  );
  if (hotStandby.fallbackReason !== undefined) {
    warnings.push(hotStandby.fallbackReason);
  }
  if (!data.identity.issuancePolicy.enabled) {
    warnings.push('identity.issuancePolicy is off: whoever can create a Certificate for the SVID issuer can mint any workload identity of this Sovereign (ESO, replication); enable it with approver-policy installed');
  }

  const tenants = resolveTenants(data, primaryRegion, regionNames, issues);
  for (const region of Object.keys(data.tofu.regionNodes)) {
    if (!regionNames.includes(region)) {
      issues.push({ path: `tofu.regionNodes.${region}`, message: `is not a region of this Sovereign; use one of: ${regionList}` });
    }
  }
  // A restored Raft snapshot can only be unsealed with the key that sealed it: the primary's.
  if (data.openbao.replication.mechanism === 'raftSnapshot') {
    const primarySeal = JSON.stringify(data.regions.find((r) => r.name === primaryRegion)?.seal ?? data.openbao.seal);
    data.regions.forEach((region, index) => {
      const seal = region.seal ?? data.openbao.seal;
      if (JSON.stringify(seal) !== primarySeal) {
        issues.push({
          path: `regions[${index}].seal`,
          value: seal.static,
          message: `differs from the primary's seal; raftSnapshot replication restores the primary's data, which only the primary's key unseals — use the same static keyId, secretName and secretKey in every region`,
        });
      }
    });
  }
  const databases = data.databases.map((database, index) => placeDatabase(database, index, hotStandby, data.hotStandby.promoted, regionNames, issues));
  databases.forEach((database, index) => issues.push(...databaseDurabilityIssues(database, index, data.regions)));
  // What has no object store to back up to: configs written before stores existed still render; --strict refuses them.
  const storeless = new Set(data.regions.filter((r) => r.objectStore === undefined).map((r) => r.name));
  // The regions named in the report, collected as it is built (a region's name may contain another's).
  const unprotectedRegions = new Set<string>(storeless.has(primaryRegion) ? [primaryRegion] : []);
  const unprotected = [
    ...(storeless.has(primaryRegion) ? [`OpenBao (primary region ${primaryRegion}: no Raft snapshots off-site)`] : []),
    ...databases.flatMap((d) => {
      const writer = writerIsStandby(d) ? d.replicaRegion! : d.primaryRegion;
      if (!storeless.has(writer)) return [];
      unprotectedRegions.add(writer);
      return [`database ${d.namespace}/${d.name} (region ${writer}: no WAL archive, no base backups)`];
    }),
  ];
  if (unprotected.length > 0) {
    // A large Sovereign names the first few and counts the rest, so the summary stays readable.
    const shown = unprotected.length > 6 ? [...unprotected.slice(0, 5), `and ${unprotected.length - 5} more`] : unprotected;
    const message = `not backed up, because its region has no objectStore: ${shown.join('; ')}`;
    if (options.strict) issues.push({ path: 'regions[].objectStore', message: `${message}; configure an objectStore for ${[...storeless].filter((r) => unprotectedRegions.has(r)).join(', ')}` });
    else warnings.push(message);
  }

  if (issues.length > 0) {
    throw new SovereignConfigError(issues, source);
  }
  return {
    ...data,
    databases,
    tenants,
    regions: data.regions.map((r) => ({
      name: r.name,
      clusterName: r.clusterName ?? r.name,
      seal: r.seal ?? data.openbao.seal,
      ...(r.objectStore !== undefined ? { objectStore: { ...r.objectStore, path: r.objectStore.path ?? data.name } } : {}),
    })),
    primaryRegion,
    identity: { trustDomain: data.identity.trustDomain ?? data.domain, issuer: data.identity.issuer, issuancePolicy: data.identity.issuancePolicy },
    hotStandby,
    warnings,
  };
}

/** Reads a YAML or JSON config file and resolves it; parse and validation errors are reported together. */
export function loadSovereignConfig(file: string, options: Omit<ResolveOptions, 'source'> = {}): SovereignConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SovereignConfigError([{ path: file, message: `cannot be read: ${(error as Error).message}` }], file);
  }
  // A config in the form this library writes YAML (a generated one, say: 0.3 s of parsing at 10,000 databases) is
  // read by the narrow reader, which answers only when writing its value back gives the text byte for byte: no
  // comments, no duplicate keys, nothing yaml would read differently.
  const plain = readPlainYaml(text);
  if (plain !== undefined) return resolveSovereignConfig(plain, { ...options, source: file });
  // YAML 1.2 is a superset of JSON, so one parser serves both; duplicate keys are errors, not last-wins.
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    throw new SovereignConfigError(
      document.errors.map((e) => ({ path: `${file}:${e.linePos?.[0].line ?? '?'}`, message: e.message.split('\n')[0] })),
      file,
    );
  }
  return resolveSovereignConfig(document.toJS(), { ...options, source: file });
}

/**
 * The tenancy of the config: declared tenants with their defaults, and an implicit tenant for every PushSecret
 * namespace no tenant lists, so a config written before tenants existed keeps working with per-namespace scoping.
 */
function resolveTenants(data: SovereignConfigData, primaryRegion: string, regionNames: readonly string[], issues: ConfigIssue[]): SecretTenant[] {
  const regionList = regionNames.join(', ');
  const root = `sovereign/${data.name}/`;
  reportDuplicates(data.tenants.map((t) => t.name), (i) => `tenants[${i}].name`, 'tenant name', issues);
  const owner = new Map<string, number>();
  const tenants: SecretTenant[] = data.tenants.map((tenant, index) => {
    tenant.namespaces.forEach((namespace, nsIndex) => {
      const first = owner.get(namespace);
      if (first === undefined) owner.set(namespace, index);
      else issues.push({ path: `tenants[${index}].namespaces[${nsIndex}]`, value: namespace, message: `already belongs to tenant ${data.tenants[first].name}; a namespace belongs to one tenant` });
    });
    (tenant.regions ?? []).forEach((region, regionIndex) => {
      if (!regionNames.includes(region)) issues.push({ path: `tenants[${index}].regions[${regionIndex}]`, value: region, message: `is not a region of this Sovereign; use one of: ${regionList}` });
    });
    const keyPrefix = tenant.keyPrefix ?? tenant.name;
    if (RESERVED_KEY_SEGMENTS.includes(keyPrefix.split('/')[0])) {
      issues.push({ path: `tenants[${index}].keyPrefix`, value: keyPrefix, message: `starts with "${keyPrefix.split('/')[0]}/", which the library uses for its own keys; choose another prefix` });
    }
    const regions = [...new Set(tenant.regions ?? regionNames)];
    return { name: tenant.name, namespaces: [...new Set(tenant.namespaces)], keyPrefix: `${root}${keyPrefix}/`, readRegions: regions, pushRegions: tenant.push ? regions : [], system: false };
  });
  const declared = tenants.length;

  data.pushSecrets.forEach((push, index) => {
    const path = `pushSecrets[${index}]`;
    if (push.region !== undefined && !regionNames.includes(push.region)) {
      issues.push({ path: `${path}.region`, value: push.region, message: `is not a region of this Sovereign; use one of: ${regionList}` });
    }
    let tenant = tenants.find((t) => t.namespaces.includes(push.namespace));
    if (tenant === undefined) {
      const clash = tenants.find((t) => t.name === push.namespace);
      if (clash !== undefined || push.namespace.length > 40) {
        issues.push({ path: `${path}.namespace`, value: push.namespace, message: `belongs to no tenant and cannot become one of its own (${clash !== undefined ? `tenant ${clash.name} has that name` : 'longer than 40 characters'}); add it to a tenant's namespaces` });
        return;
      }
      tenant = { name: push.namespace, namespaces: [push.namespace], keyPrefix: `${root}${push.namespace}/`, readRegions: [...regionNames], pushRegions: [...regionNames], system: false };
      tenants.push(tenant);
    }
    const region = push.region ?? primaryRegion;
    if (!tenant.pushRegions.includes(region) && regionNames.includes(region)) {
      issues.push({ path: `${path}.namespace`, value: push.namespace, message: `belongs to tenant ${tenant.name}, which has no push store in ${region}; set the tenant's push: true and list ${region} in its regions` });
    }
    push.data.forEach((entry, entryIndex) => {
      const problem = remoteKeyProblem(data.name, entry.remoteKey) ?? tenantKeyProblem(tenant, entry.remoteKey);
      if (problem !== undefined) issues.push({ path: `${path}.data[${entryIndex}].remoteKey`, message: problem });
    });
  });

  tenants.forEach((tenant, index) => {
    for (const other of tenants.slice(0, index)) {
      if (keyPrefixesOverlap(tenant.keyPrefix, other.keyPrefix)) {
        const where = index < declared ? `tenants[${index}].keyPrefix` : `tenant ${tenant.name} (implicit, from pushSecrets)`;
        issues.push({ path: where, value: tenant.keyPrefix, message: `overlaps tenant ${other.name}'s prefix "${other.keyPrefix}"; each tenant must own a folder no other tenant's lies in or contains` });
      }
    }
  });
  return tenants;
}

// A pair's own region overrides are explicit config, so an unusable one is an error, never a fallback.
function placeDatabase(
  database: DatabaseConfig,
  index: number,
  hotStandby: HotStandbyResolution,
  promotedByDefault: boolean,
  regionNames: readonly string[],
  issues: ConfigIssue[],
): SovereignDatabase {
  const { primaryRegion: primaryOverride, replicaRegion: replicaOverride, promoted, ...rest } = database;
  for (const [key, value] of [['primaryRegion', primaryOverride], ['replicaRegion', replicaOverride]] as const) {
    if (value !== undefined && !regionNames.includes(value)) {
      issues.push({ path: `databases[${index}].${key}`, value, message: `is not a region of this Sovereign; use one of: ${regionNames.join(', ')}` });
    }
  }
  const primaryRegion = primaryOverride ?? hotStandby.primaryRegion;
  const replicaRegion = hotStandby.active ? (replicaOverride ?? hotStandby.replicaRegion) : undefined;
  if (replicaRegion !== undefined && replicaRegion === primaryRegion) {
    issues.push({
      path: `databases[${index}].${replicaOverride !== undefined ? 'replicaRegion' : 'primaryRegion'}`,
      value: replicaRegion,
      message: 'the replica region must not equal the primary region (hot standby needs two distinct regions)',
    });
  }
  if (database.mesh.enabled === false && replicaRegion !== undefined && database.mesh.externalHost === undefined) {
    issues.push({ path: `databases[${index}].mesh.externalHost`, message: 'is required when mesh.enabled is false; name the host the replica reaches the primary at' });
  }
  const isPromoted = promoted ?? promotedByDefault;
  if (database.promotionToken !== undefined && (database.topology !== 'distributed' || !isPromoted)) {
    issues.push({ path: `databases[${index}].promotionToken`, message: 'is only used by a promoted pair with topology "distributed"; remove it or set both' });
  }
  return { ...rest, primaryRegion, ...(replicaRegion !== undefined ? { replicaRegion } : {}), promoted: isPromoted };
}

// What a pair needs of the regions for its image and its restore; the constructs check the same, later and by field.
// The writer as the pair renders it (CnpgHotStandbyPair asks the same standbyTakesOver).
const writerIsStandby = (d: SovereignDatabase) => standbyTakesOver({ hasStandby: d.replicaRegion !== undefined, promoted: d.promoted, distributed: d.topology === 'distributed', promotionToken: d.promotionToken });

function databaseDurabilityIssues(database: SovereignDatabase, index: number, regions: SovereignConfigData['regions']): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const path = `databases[${index}]`;
  if (database.imageName === undefined && defaultPostgresImage(database.postgresMajor) === undefined) {
    issues.push({
      path: `${path}.postgresMajor`,
      value: database.postgresMajor,
      message: `has no pinned default image (CloudNativePG 1.30.0 tests ${Object.keys(PINNED_POSTGRES_IMAGES).join(', ')}); set imageName to a full version of PostgreSQL ${database.postgresMajor}`,
    });
  }
  // One sidecar environment serves both stores of a replica (plugin-barman-cloud lifecycle_envs.go, v0.14.0).
  const primaryIndex = regions.findIndex((r) => r.name === database.primaryRegion);
  const replicaIndex = regions.findIndex((r) => r.name === database.replicaRegion);
  const primaryStore = regions[primaryIndex]?.objectStore;
  const replicaStore = replicaIndex < 0 ? undefined : regions[replicaIndex].objectStore;
  if (primaryStore !== undefined && replicaStore !== undefined && primaryStore.s3Region !== replicaStore.s3Region) {
    issues.push({
      path: `regions[${replicaIndex}].objectStore.s3Region`,
      value: replicaStore.s3Region ?? null,
      message: `differs from regions[${primaryIndex}].objectStore.s3Region (${JSON.stringify(primaryStore.s3Region ?? null)}), and database ${database.namespace}/${database.name} has its replica here: the replica's Barman sidecar gets one AWS_DEFAULT_REGION for both stores; set the same s3Region (or none) in both regions`,
    });
  }
  const restore = database.restore;
  if (restore === undefined) return issues;
  const hasStore = (region: string | undefined) => regions.some((r) => r.name === region && r.objectStore !== undefined);
  const replicaName = database.replicaRegion === undefined ? undefined : `${database.name}-replica`;
  const members = [database.name, ...(replicaName !== undefined ? [replicaName] : [])];
  const regionOf = (cluster: string) => (cluster === replicaName ? database.replicaRegion! : database.primaryRegion);
  // The writer as the pair renders it: the replica once a promotion is confirmed (distributed: with the token).
  const writer = writerIsStandby(database) ? replicaName! : database.name;
  const from = restore.fromCluster ?? writer;
  if (!members.includes(from)) {
    issues.push({ path: `${path}.restore.fromCluster`, value: from, message: `is not a Cluster of this pair; use one of: ${members.join(', ')}` });
    return issues;
  }
  if (!hasStore(regionOf(from))) {
    issues.push({ path: `${path}.restore${restore.fromCluster === undefined ? '' : '.fromCluster'}`, value: from, message: `${from} runs in ${regionOf(from)}, which has no objectStore, so there is no archive to restore; configure regions[].objectStore or restore another Cluster` });
  }
  const pairRegions = [database.primaryRegion, ...(database.replicaRegion !== undefined ? [database.replicaRegion] : [])];
  const region = restore.region ?? regionOf(from);
  if (!pairRegions.includes(region)) {
    issues.push({ path: `${path}.restore.region`, value: region, message: `is not a region of this pair; use one of: ${pairRegions.join(', ')}` });
  } else if (!hasStore(region)) {
    issues.push({ path: `${path}.restore.region`, value: region, message: 'has no objectStore, so there are no credentials to read the archive with; restore in a region with one' });
  }
  if (restore.name !== undefined && members.includes(restore.name)) {
    issues.push({ path: `${path}.restore.name`, value: restore.name, message: `is a Cluster of the pair; a restore is a new Cluster beside it, e.g. "${database.name}-restore"` });
  }
  return issues;
}

/**
 * When the schema already failed, the region checks still run on whatever region names the raw input has, so one
 * run reports a duplicate region or a bad primary together with the schema errors.
 */
function rawRegionIssues(raw: unknown): ConfigIssue[] {
  const input = (typeof raw === 'object' && raw !== null ? raw : {}) as { regions?: unknown; primaryRegion?: unknown };
  if (!Array.isArray(input.regions)) return [];
  const names = input.regions.map((r) => (typeof r === 'object' && r !== null && typeof (r as { name?: unknown }).name === 'string' ? (r as { name: string }).name : undefined));
  const issues: ConfigIssue[] = [];
  reportDuplicates(names.map((n, i) => n ?? `\u0000${i}`), (i) => `regions[${i}].name`, 'region name', issues);
  const known = names.filter((n): n is string => n !== undefined);
  if (typeof input.primaryRegion === 'string' && input.primaryRegion.trim() !== '' && known.length > 0 && !known.includes(input.primaryRegion.trim())) {
    issues.push({ path: 'primaryRegion', value: input.primaryRegion, message: `is not one of the Sovereign's regions; use one of: ${[...new Set(known)].join(', ')}` });
  } else if (input.primaryRegion === undefined && known.length > 1) {
    issues.push({ path: 'primaryRegion', message: `is required when the Sovereign has ${known.length} regions; set it to the OpenBao write primary, one of: ${[...new Set(known)].join(', ')}` });
  }
  return issues;
}

function reportDuplicates(values: readonly string[], pathOf: (index: number) => string, what: string, issues: ConfigIssue[]): void {
  const seen = new Map<string, number>();
  values.forEach((value, index) => {
    const first = seen.get(value);
    if (first === undefined) {
      seen.set(value, index);
    } else {
      issues.push({ path: pathOf(index), value, message: `duplicate ${what}, already used at ${pathOf(first)}; every ${what} must be unique` });
    }
  });
}

function toConfigIssue(issue: z.core.$ZodIssue): ConfigIssue {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return {
        path,
        message: `unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove ${issue.keys.length === 1 ? 'it' : 'them'} or fix the spelling (keys are camelCase)`,
      };
    case 'invalid_type':
      if (issue.input === undefined) {
        return { path, message: `is required (${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected})` };
      }
      return { path, value: issue.input, message: `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}` };
    default:
      return { path, value: issue.input, message: issue.message };
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) {
    return '(top level)';
  }
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out === '' ? String(key) : `${out}.${String(key)}`), '');
}
