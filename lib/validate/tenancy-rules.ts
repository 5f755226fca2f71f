import { type CertRoleFacts, clusterSecretsFacts, keyPrefixOverlap, sanGlobMatches, type StoreFacts } from './tenancy-access';
import type { Violation } from './violation';

// Tenant isolation across the objects of one cluster: a store every namespace may use, a role whose policy reaches
// past its store's tenant prefix, two roles one certificate can log in to. None of these is visible to a schema.

type Fail = (object: string, path: string, message: string) => void;

/** Every violation of the tenancy rules among the objects of one cluster. */
export function checkTenancy(entries: readonly { readonly object: unknown; readonly file?: string }[]): Violation[] {
  const violations: Violation[] = [];
  const fileOf = new Map<string, string | undefined>();
  for (const { object, file } of entries) {
    const o = object as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
    if (o?.kind === 'ClusterSecretStore' || o?.kind === 'ConfigMap') fileOf.set(`${String(o.kind)}/${o.metadata?.namespace ? `${String(o.metadata.namespace)}/` : ''}${String(o.metadata?.name)}`, file);
  }
  const fail: Fail = (object, path, message) => violations.push({ ...(fileOf.get(object) !== undefined ? { file: fileOf.get(object) } : {}), object, path, rule: 'tenancy', message });
  const facts = clusterSecretsFacts(entries.map((e) => e.object));
  const selfInit = [...fileOf.keys()].find((k) => k.startsWith('ConfigMap/') && facts.hasSelfInit) ?? 'ConfigMap/openbao-config';

  // Stores already failing a rule are left out of the overlap check, which would only repeat their defect.
  const sound = facts.stores.filter((store) => {
    const before = violations.length;
    checkConditions(store, fail);
    if (facts.hasSelfInit) checkPolicyScope(store, facts.roles, facts.policies, fail);
    return violations.length === before;
  });
  if (facts.hasSelfInit) {
    checkSharedIdentities(facts.roles, selfInit, fail);
    checkOverlappingTenants(sound, fail);
  }
  return violations;
}

// A ClusterSecretStore without conditions serves every namespace (external-secrets
// pkg/controllers/secretstore/client_manager.go `shouldProcessSecret`, v2.9.0).
function checkConditions(store: StoreFacts, fail: Fail): void {
  const object = `ClusterSecretStore/${store.name}`;
  if (store.conditions === undefined || store.conditions.length === 0) {
    fail(object, 'spec.conditions', 'a ClusterSecretStore without conditions serves every namespace; list the namespaces of the one tenant it is for');
    return;
  }
  store.conditions.forEach((condition, index) => {
    const names = Array.isArray(condition.namespaces) ? condition.namespaces : [];
    const selector = condition.namespaceSelector as { matchLabels?: object; matchExpressions?: unknown[] } | undefined;
    const regexes = Array.isArray(condition.namespaceRegexes) ? (condition.namespaceRegexes as string[]) : [];
    const emptySelector = selector !== undefined && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
    const openRegex = regexes.find((re) => safeTest(re, '') || (safeTest(re, 'kube-system') && safeTest(re, 'zz-any-namespace')));
    if (emptySelector) fail(object, `spec.conditions[${index}].namespaceSelector`, 'an empty namespaceSelector matches every namespace; name the tenant\'s namespaces');
    else if (openRegex !== undefined) fail(object, `spec.conditions[${index}].namespaceRegexes`, `"${openRegex}" matches any namespace; name the tenant's namespaces`);
    else if (names.length === 0 && selector === undefined && regexes.length === 0) fail(object, `spec.conditions[${index}]`, 'an empty condition admits no namespace by itself but says nothing; list namespaces');
  });
}

function safeTest(re: string, value: string): boolean {
  try {
    return new RegExp(re).test(value);
  } catch {
    return false;
  }
}

// The policies of the role a store logs in as may reach only the tenant prefix the store is annotated with, and that
// prefix must name a tenant (deeper than `sovereign/<sovereign>/`).
function checkPolicyScope(store: StoreFacts, roles: readonly CertRoleFacts[], policies: ReadonlyMap<string, Readonly<Record<string, readonly string[]>>>, fail: Fail): void {
  const object = `ClusterSecretStore/${store.name}`;
  if (store.vaultRole === undefined) return;
  if (store.keyPrefix === undefined) {
    fail(object, 'metadata.annotations', 'names no key prefix (sovereign.openova.io/key-prefix), so nothing shows its role stays inside one tenant');
    return;
  }
  if (!/^sovereign\/[^/]+\/[^*+]+\/$/.test(store.keyPrefix)) {
    fail(object, 'metadata.annotations', `key prefix "${store.keyPrefix}" is not one tenant's folder below sovereign/<sovereign>/`);
    return;
  }
  const role = roles.find((r) => r.name === store.vaultRole);
  if (role === undefined) {
    fail(object, 'spec.provider.vault.auth.cert.vaultRole', `role "${store.vaultRole}" is not written by OpenBao's self-initialisation in this cluster; every login would fail`);
    return;
  }
  for (const policy of role.tokenPolicies) {
    for (const path of Object.keys(policies.get(policy) ?? {})) {
      const inside = [`secret/data/${store.keyPrefix}`, `secret/metadata/${store.keyPrefix}`].some((prefix) => path.startsWith(prefix) && !/[*+]/.test(path.slice(0, prefix.length)));
      if (!inside) fail(object, 'spec.provider.vault.auth.cert.vaultRole', `role ${role.name} grants policy ${policy} on "${path}", outside the tenant prefix "${store.keyPrefix}"`);
    }
  }
}

// OpenBao tries the named role only, but two roles admitting the same certificate let whoever holds it choose
// either; a role with no constraint admits every certificate its CA signs (builtin/credential/cert/path_login.go, v2.6.2).
function checkSharedIdentities(roles: readonly CertRoleFacts[], configMap: string, fail: Fail): void {
  roles.forEach((role, index) => {
    if (role.allowedUriSans.length === 0 && role.allowedCommonNames.length === 0) {
      fail(configMap, `data.initialize.json: auth/cert/certs/${role.name}`, `cert role ${role.name} binds no URI SAN or CN, so every certificate of its CA can log in with it`);
    }
    for (const other of roles.slice(0, index)) {
      if (other.trustAnchor !== role.trustAnchor) continue;
      const shared =
        role.allowedUriSans.find((a) => other.allowedUriSans.some((b) => sanGlobMatches(a, b) || sanGlobMatches(b, a))) ??
        role.allowedCommonNames.find((a) => other.allowedCommonNames.some((b) => sanGlobMatches(a, b) || sanGlobMatches(b, a)));
      if (shared !== undefined) {
        fail(configMap, `data.initialize.json: auth/cert/certs/${role.name}`, `cert roles ${other.name} and ${role.name} both admit "${shared}"; give every role its own identity`);
      }
    }
  });
}

// Two tenants' stores whose prefixes nest give one tenant the other's keys.
function checkOverlappingTenants(stores: readonly StoreFacts[], fail: Fail): void {
  const withPrefix = stores.filter((s) => s.keyPrefix !== undefined);
  withPrefix.forEach((store, index) => {
    for (const other of withPrefix.slice(0, index)) {
      const sameTenant = JSON.stringify(store.conditions) === JSON.stringify(other.conditions) && store.keyPrefix === other.keyPrefix;
      if (!sameTenant && keyPrefixOverlap(store.keyPrefix!, other.keyPrefix!)) {
        fail(`ClusterSecretStore/${store.name}`, 'metadata.annotations', `key prefix "${store.keyPrefix}" overlaps "${other.keyPrefix}" of ClusterSecretStore ${other.name}, which serves other namespaces`);
      }
    }
  });
}
