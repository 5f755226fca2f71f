// Who can reach which OpenBao keys through ESO, read from the rendered objects of one cluster alone: its
// ClusterSecretStores (who may use them, which role they log in as, with which SVID), the Certificates behind the
// SVIDs, and the policies and cert roles OpenBao's self-initialisation writes. The tenancy rules and the isolation
// tests use it, so both judge what would really be applied rather than the model that rendered it.

import { labelsLookup, selectorMatches } from './label-selector';

type Obj = { readonly [key: string]: unknown };

/** An ESO ClusterSecretStore of the `vault` provider with cert auth. */
export interface StoreFacts {
  readonly name: string;
  /** `spec.conditions` as rendered; undefined when absent (the store then serves every namespace). */
  readonly conditions?: readonly Obj[];
  readonly server: string;
  readonly vaultRole?: string;
  /** `namespace/secretName` of the client certificate. */
  readonly clientCert?: string;
  /** The `sovereign.openova.io/key-prefix` annotation. */
  readonly keyPrefix?: string;
}

/** A cert auth role as self-initialisation writes it. */
export interface CertRoleFacts {
  readonly name: string;
  readonly allowedUriSans: readonly string[];
  readonly allowedCommonNames: readonly string[];
  readonly tokenPolicies: readonly string[];
  readonly boundCidrs?: readonly string[];
  /** Where the role's trusted CA comes from (a file path for self-init's `eval_source: file`). */
  readonly trustAnchor: string;
}

/** An ACL policy: path glob -> capabilities. */
export type PolicyFacts = Readonly<Record<string, readonly string[]>>;

export interface ClusterSecretsFacts {
  readonly stores: readonly StoreFacts[];
  /** `namespace/secretName` -> URI SANs of the Certificate writing that Secret. */
  readonly certificates: ReadonlyMap<string, readonly string[]>;
  readonly roles: readonly CertRoleFacts[];
  readonly policies: ReadonlyMap<string, PolicyFacts>;
  /** Whether the cluster's objects include OpenBao's self-initialisation (the roles and policies above). */
  readonly hasSelfInit: boolean;
}

/** Annotation on every tenant store naming the key prefix its role is scoped to, for the validator and for humans. */
export const KEY_PREFIX_ANNOTATION = 'sovereign.openova.io/key-prefix';

const obj = (value: unknown): Obj => (typeof value === 'object' && value !== null ? (value as Obj) : {});
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** Reads the secrets-related facts of one cluster's objects. */
export function clusterSecretsFacts(objects: readonly unknown[]): ClusterSecretsFacts {
  const stores: StoreFacts[] = [];
  const certificates = new Map<string, readonly string[]>();
  const roles: CertRoleFacts[] = [];
  const policies = new Map<string, PolicyFacts>();
  let hasSelfInit = false;
  for (const object of objects) {
    const o = obj(object);
    const metadata = obj(o.metadata);
    const spec = obj(o.spec);
    if (o.kind === 'ClusterSecretStore') {
      const vault = obj(obj(spec.provider).vault);
      const cert = obj(obj(vault.auth).cert);
      const clientCert = obj(cert.clientCert);
      stores.push({
        name: String(metadata.name),
        conditions: Array.isArray(spec.conditions) ? spec.conditions.map(obj) : undefined,
        server: String(vault.server ?? ''),
        vaultRole: typeof cert.vaultRole === 'string' ? cert.vaultRole : undefined,
        clientCert: typeof clientCert.name === 'string' ? `${String(clientCert.namespace ?? '')}/${clientCert.name}` : undefined,
        keyPrefix: typeof obj(metadata.annotations)[KEY_PREFIX_ANNOTATION] === 'string' ? String(obj(metadata.annotations)[KEY_PREFIX_ANNOTATION]) : undefined,
      });
    } else if (o.kind === 'Certificate' && typeof spec.secretName === 'string') {
      certificates.set(`${String(metadata.namespace ?? '')}/${spec.secretName}`, strings(spec.uris));
    } else if (o.kind === 'ConfigMap' && typeof obj(o.data)['initialize.json'] === 'string') {
      hasSelfInit = true;
      readSelfInit(String(obj(o.data)['initialize.json']), roles, policies);
    }
  }
  return { stores, certificates, roles, policies, hasSelfInit };
}

// initialize.json: {"initialize": [{"<block>": {"request": [{"<name>": {operation, path, data}}]}}]}.
function readSelfInit(text: string, roles: CertRoleFacts[], policies: Map<string, PolicyFacts>): void {
  let parsed: Obj;
  try {
    parsed = obj(JSON.parse(text));
  } catch {
    return;
  }
  const requests = (Array.isArray(parsed.initialize) ? parsed.initialize : []).flatMap((block) =>
    Object.values(obj(block)).flatMap((b) => (Array.isArray(obj(b).request) ? (obj(b).request as unknown[]) : []).flatMap((r) => Object.values(obj(r)).map(obj))),
  );
  for (const request of requests) {
    const path = String(request.path ?? '');
    const data = obj(request.data);
    if (path.startsWith('sys/policies/acl/') && typeof data.policy === 'string') {
      try {
        const paths = obj(obj(JSON.parse(data.policy)).path);
        policies.set(path.slice('sys/policies/acl/'.length), Object.fromEntries(Object.entries(paths).map(([p, v]) => [p, strings(obj(v).capabilities)])));
      } catch {
        policies.set(path.slice('sys/policies/acl/'.length), {});
      }
    } else if (path.startsWith('auth/cert/certs/')) {
      const certificate = obj(data.certificate);
      roles.push({
        name: path.slice('auth/cert/certs/'.length),
        allowedUriSans: strings(data.allowed_uri_sans),
        allowedCommonNames: strings(data.allowed_common_names),
        tokenPolicies: strings(data.token_policies),
        boundCidrs: Array.isArray(data.token_bound_cidrs) ? strings(data.token_bound_cidrs) : undefined,
        trustAnchor: typeof data.certificate === 'string' ? data.certificate : String(certificate.path ?? ''),
      });
    }
  }
}

/**
 * Whether a ClusterSecretStore serves `namespace` (whose labels are `labels`), as ESO decides it: no conditions
 * serve every namespace; otherwise any condition's selector, name list (matched through the
 * `kubernetes.io/metadata.name` label) or regex (external-secrets pkg/controllers/secretstore/client_manager.go
 * `shouldProcessSecret`, v2.9.0).
 */
export function storeServes(store: StoreFacts, namespace: string, labels: Readonly<Record<string, string>> = {}): boolean {
  if (store.conditions === undefined || store.conditions.length === 0) return true;
  const nsLabels = { ...labels, 'kubernetes.io/metadata.name': namespace };
  return store.conditions.some((condition) => {
    if (strings(condition.namespaces).includes(namespace)) return true;
    if (condition.namespaceSelector !== undefined && selectorMatches(condition.namespaceSelector, labelsLookup(nsLabels))) return true;
    return strings(condition.namespaceRegexes).some((re) => new RegExp(re).test(namespace));
  });
}

/** OpenBao ACL path glob match: a trailing `*` matches any suffix, `+` one path segment (vault/policy.go, v2.6.2). */
export function policyPathMatches(glob: string, path: string): boolean {
  const escaped = glob.replace(/[.?^${}()|[\]\\]/g, '\\$&').replace(/\+/g, '[^/]+');
  const pattern = escaped.endsWith('*') ? `^${escaped.slice(0, -1).replace(/\*/g, '\\*')}.*$` : `^${escaped.replace(/\*/g, '\\*')}$`;
  return new RegExp(pattern).test(path);
}

// Compiled once per glob: the tenancy rule compares every pair of roles.
const sanGlobs = new Map<string, RegExp>();

/** A cert role's `allowed_uri_sans` entry against a URI: `*` matches any run of characters (go-glob, as path_login.go uses). */
export function sanGlobMatches(glob: string, value: string): boolean {
  let pattern = sanGlobs.get(glob);
  if (pattern === undefined) {
    pattern = new RegExp(`^${glob.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    sanGlobs.set(glob, pattern);
  }
  return pattern.test(value);
}

/** Every capability `namespace` holds on the kv-v2 `path` (e.g. `secret/data/sovereign/x/y`) through this cluster's stores. */
export function capabilitiesOf(facts: ClusterSecretsFacts, namespace: string, path: string, labels: Readonly<Record<string, string>> = {}): Set<string> {
  const capabilities = new Set<string>();
  for (const store of facts.stores) {
    if (!storeServes(store, namespace, labels) || store.vaultRole === undefined || store.clientCert === undefined) continue;
    const uris = facts.certificates.get(store.clientCert) ?? [];
    // ESO logs in to the role the store names; OpenBao admits it when the certificate's URI SAN is allowed
    // (builtin/credential/cert/path_login.go matchesConstraints, v2.6.2).
    const role = facts.roles.find((r) => r.name === store.vaultRole);
    if (role === undefined || !uris.some((uri) => role.allowedUriSans.some((allowed) => sanGlobMatches(allowed, uri)))) continue;
    for (const policy of role.tokenPolicies) {
      for (const [glob, caps] of Object.entries(facts.policies.get(policy) ?? {})) {
        if (policyPathMatches(glob, path)) caps.forEach((c) => capabilities.add(c));
      }
    }
  }
  return capabilities;
}

/** True when `namespace` can read key `key` (a kv-v2 key under `secret/`) through a store of this cluster. */
export function canRead(facts: ClusterSecretsFacts, namespace: string, key: string): boolean {
  return capabilitiesOf(facts, namespace, `secret/data/${key}`).has('read');
}

/** True when `namespace` can create or overwrite key `key` through a store of this cluster. */
export function canWrite(facts: ClusterSecretsFacts, namespace: string, key: string): boolean {
  const caps = capabilitiesOf(facts, namespace, `secret/data/${key}`);
  return caps.has('create') || caps.has('update') || caps.has('patch');
}

/** Both key prefixes are equal or one lies inside the other. */
export function keyPrefixOverlap(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}
