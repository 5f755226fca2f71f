// A model of cert-manager approver-policy v0.27.0's decision on one CertificateRequest, over rendered manifests: which
// CertificateRequestPolicies apply (issuer, namespace, RBAC `use`) and whether one of them passes its `allowed` and
// `constraints` evaluators. Tests use it to prove who may mint which SVID. Internal: not exported from lib/index.ts.
//
// Everything here follows approver-policy's source at tag v0.27.0 (github.com/cert-manager/approver-policy):
//   pkg/internal/approver/manager/review.go            Review(): predicates, then the first passing policy approves
//   pkg/internal/approver/manager/predicate/predicate.go  SelectorIssuerRef, SelectorNamespace, RBACBound
//   pkg/internal/approver/allowed/evaluator.go         the `allowed` evaluator
//   pkg/internal/approver/constraints/evaluator.go     the `constraints` evaluator
//   pkg/internal/util/wildcard.go                      '*' matching of every allowed value and selector
// What it does not model says so by throwing: plugins, CEL `validations`, a Certificate's `literalSubject`. It takes
// every policy as Ready (the controller marks one Ready once reconciled), and RBAC as Kubernetes' RBAC authorizer alone.
import { goDurationNanos } from '../common/go-duration';
import { CERT_MANAGER_CONTROLLER, SVID_PRIVATE_KEY, SVID_USAGES } from './svid-issuance-policy';

/** What approver-policy reads of a CertificateRequest (its spec, the CSR inside it, and who created it). */
export interface CertificateRequestFacts {
  /** The CertificateRequest's namespace (a Certificate's CertificateRequests are in the Certificate's namespace). */
  readonly namespace: string;
  /** `spec.issuerRef`; kind defaults to `Issuer` and group to `cert-manager.io`, as cert-manager's are. */
  readonly issuer: { readonly name: string; readonly kind?: string; readonly group?: string };
  /** The CSR's subject CN; undefined or '' for none. */
  readonly commonName?: string;
  readonly uris?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly emailAddresses?: readonly string[];
  /** SAN otherName entries. */
  readonly otherNames?: readonly { readonly oid: string; readonly value: string }[];
  /** Subject attributes other than the CN. */
  readonly subject?: {
    readonly organizations?: readonly string[];
    readonly countries?: readonly string[];
    readonly organizationalUnits?: readonly string[];
    readonly localities?: readonly string[];
    readonly provinces?: readonly string[];
    readonly streetAddresses?: readonly string[];
    readonly postalCodes?: readonly string[];
    readonly serialNumber?: string;
  };
  /** `spec.isCA`. */
  readonly isCA?: boolean;
  /** `spec.usages`. */
  readonly usages?: readonly string[];
  /** `spec.duration`, a Go duration; undefined for none. */
  readonly duration?: string;
  /** The CSR's public key. */
  readonly privateKey?: { readonly algorithm: 'RSA' | 'ECDSA' | 'Ed25519'; readonly size?: number };
  /** `spec.username` and `spec.groups`: who created the request. @default the cert-manager controller's service account */
  readonly requester?: { readonly username: string; readonly groups?: readonly string[] };
}

/** approver-policy's three outcomes: Approved and Denied are final conditions; Unprocessed leaves the request pending. */
export type ApprovalResult = 'Approved' | 'Denied' | 'Unprocessed';

export interface ApprovalDecision {
  readonly result: ApprovalResult;
  readonly approved: boolean;
  /** The approving policy. */
  readonly policy?: string;
  /** Policies that applied (issuer, namespace and RBAC matched), by name. */
  readonly applicable: readonly string[];
  /** Why each applicable policy refused, by name. */
  readonly denials: Readonly<Record<string, readonly string[]>>;
  readonly message: string;
}

export interface ReviewOptions {
  /** Labels of namespaces, for policies with `selector.namespace.matchLabels`. @default - from the Namespace objects among the manifests */
  readonly namespaceLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The Kubernetes username and groups of a service account's token. */
export function serviceAccountUser(namespace: string, serviceAccount: string): { username: string; groups: string[] } {
  return { username: `system:serviceaccount:${namespace}:${serviceAccount}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'] };
}

/**
 * A CertificateRequest as cert-manager makes it from one SVID Certificate of this library (ECDSA P-256, client auth +
 * digital signature + key encipherment, not a CA, 1h, requested by the cert-manager controller), with `overrides`.
 */
export function svidRequest(request: Pick<CertificateRequestFacts, 'namespace' | 'issuer'> & Partial<CertificateRequestFacts>): CertificateRequestFacts {
  return { usages: [...SVID_USAGES], duration: '1h', privateKey: { algorithm: SVID_PRIVATE_KEY.algorithm, size: SVID_PRIVATE_KEY.size }, isCA: false, ...request };
}

/**
 * The CertificateRequest cert-manager makes from a rendered Certificate manifest: its namespace, duration, issuerRef,
 * isCA and usages copied as they are (pkg/controller/certificates/requestmanager/requestmanager_controller.go,
 * cert-manager v1.21.1), the CSR from its subject and SANs, the key from `privateKey` with cert-manager's defaults
 * (RSA 2048, ECDSA 256: pkg/util/pki/generate.go GeneratePrivateKeyForCertificate, v1.21.1), requested by `requester`.
 */
export function requestFromCertificate(certificate: unknown, requester?: CertificateRequestFacts['requester']): CertificateRequestFacts {
  const crt = certificate as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string }; spec?: Record<string, any> };
  if (crt?.apiVersion !== 'cert-manager.io/v1' || crt.kind !== 'Certificate' || crt.spec === undefined) throw new Error('requestFromCertificate needs a cert-manager.io/v1 Certificate manifest');
  const spec = crt.spec;
  const name = `Certificate ${crt.metadata?.namespace}/${crt.metadata?.name}`;
  if (crt.metadata?.namespace === undefined) throw new Error(`${name} has no namespace; render it with one`);
  if (spec.literalSubject !== undefined) throw new Error(`${name}: literalSubject is not modelled`);
  const algorithm = (spec.privateKey?.algorithm ?? 'RSA') as 'RSA' | 'ECDSA' | 'Ed25519';
  const size = algorithm === 'Ed25519' ? undefined : (spec.privateKey?.size ?? (algorithm === 'RSA' ? 2048 : 256));
  return {
    namespace: crt.metadata.namespace,
    issuer: { name: spec.issuerRef?.name, kind: spec.issuerRef?.kind, group: spec.issuerRef?.group },
    commonName: spec.commonName,
    uris: spec.uris,
    dnsNames: spec.dnsNames,
    ipAddresses: spec.ipAddresses,
    emailAddresses: spec.emailAddresses,
    otherNames: (spec.otherNames as { oid: string; utf8Value: string }[] | undefined)?.map((o) => ({ oid: o.oid, value: o.utf8Value })),
    subject: spec.subject,
    isCA: spec.isCA,
    usages: spec.usages,
    duration: spec.duration,
    privateKey: { algorithm, size },
    requester,
  };
}

/** Whether approver-policy v0.27.0 would approve, deny or leave pending `request`, given the cluster's `manifests`. */
export function reviewCertificateRequest(manifests: readonly unknown[], request: CertificateRequestFacts, options: ReviewOptions = {}): ApprovalDecision {
  const objects = manifests as readonly Manifest[];
  const policies = objects.filter((o) => o?.apiVersion === 'policy.cert-manager.io/v1alpha1' && o.kind === 'CertificateRequestPolicy').sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const decision = (result: ApprovalResult, message: string, applicable: string[] = [], denials: Record<string, string[]> = {}, policy?: string): ApprovalDecision => ({
    result,
    approved: result === 'Approved',
    policy,
    applicable,
    denials,
    message,
  });
  // No policy at all: left pending, re-evaluated when one appears (review.go, v0.27.0).
  if (policies.length === 0) return decision('Unprocessed', 'No CertificateRequestPolicies exist');
  for (const policy of policies) unmodelled(policy);

  const requester = request.requester ?? serviceAccountUser(CERT_MANAGER_CONTROLLER.namespace, CERT_MANAGER_CONTROLLER.serviceAccount);
  const namespaceLabels = options.namespaceLabels?.[request.namespace] ?? objects.find((o) => o?.apiVersion === 'v1' && o.kind === 'Namespace' && o.metadata?.name === request.namespace)?.metadata.labels ?? {};
  const applicable = policies.filter(
    (p) =>
      issuerMatches(p.spec.selector, request.issuer) &&
      namespaceMatches(p.spec.selector, request.namespace, namespaceLabels) &&
      // SubjectAccessReview: verb use on this policy, in the request's namespace, as the request's user and groups.
      rbacAllows(objects, requester.username, requester.groups ?? [], request.namespace, p.metadata.name),
  );
  // None applicable: also left pending, never denied (review.go, v0.27.0).
  if (applicable.length === 0) return decision('Unprocessed', 'No CertificateRequestPolicies bound or applicable');

  const denials: Record<string, string[]> = {};
  for (const policy of applicable) {
    const reasons = [...allowedProblems(policy.spec.allowed ?? {}, request), ...constraintsProblems(policy.spec.constraints, request)];
    // The first policy that no evaluator denies approves the request (review.go, v0.27.0).
    if (reasons.length === 0) return decision('Approved', `Approved by CertificateRequestPolicy: "${policy.metadata.name}"`, applicable.map(names), {}, policy.metadata.name);
    denials[policy.metadata.name] = reasons;
  }
  const message = Object.entries(denials).map(([name, reasons]) => `[${name}: ${reasons.join(', ')}]`).join(' ');
  return decision('Denied', `No policy approved this request: ${message}`, applicable.map(names), denials);
}

/** '*' matches any run of characters, anything else itself (WildcardMatches, pkg/internal/util/wildcard.go, v0.27.0). */
export function wildcardMatches(pattern: string, value: string): boolean {
  if (pattern.length === 0) return value.length === 0;
  if (pattern === '*') return true;
  const p = Array.from(pattern);
  const s = Array.from(value);
  let px = 0;
  let sx = 0;
  let starPx = -1;
  let starSx = -1;
  while (sx < s.length) {
    if (px < p.length && p[px] === '*') {
      starPx = px;
      starSx = sx;
      px++;
    } else if (px < p.length && p[px] === s[sx]) {
      px++;
      sx++;
    } else if (starPx >= 0) {
      starSx++;
      sx = starSx;
      px = starPx + 1;
    } else {
      return false;
    }
  }
  while (px < p.length && p[px] === '*') px++;
  return px === p.length;
}

const wildcardSubset = (patterns: readonly string[], members: readonly string[]) => members.every((m) => patterns.some((p) => wildcardMatches(p, m)));

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly [key: string]: any;
}

const names = (p: Manifest) => p.metadata.name;

interface AllowedString {
  readonly value?: string;
  readonly required?: boolean;
  readonly validations?: unknown[];
}
interface AllowedSlice {
  readonly values?: string[];
  readonly required?: boolean;
  readonly validations?: unknown[];
}

function unmodelled(policy: Manifest): void {
  const where = `CertificateRequestPolicy ${policy.metadata.name}`;
  if (policy.spec?.plugins !== undefined && Object.keys(policy.spec.plugins).length > 0) throw new Error(`${where}: plugins are not modelled`);
  const hasValidations = (value: unknown): boolean =>
    value !== null && typeof value === 'object' && Object.entries(value).some(([key, inner]) => (key === 'validations' && Array.isArray(inner) && inner.length > 0) || hasValidations(inner));
  if (hasValidations(policy.spec?.allowed)) throw new Error(`${where}: CEL validations are not modelled`);
}

function issuerMatches(selector: Manifest['spec']['selector'], issuer: CertificateRequestFacts['issuer']): boolean {
  const ref = selector?.issuerRef;
  if (ref === undefined) return true;
  // The request's kind and group default before matching (SelectorIssuerRef, predicate.go, v0.27.0).
  const kind = issuer.kind || 'Issuer';
  const group = issuer.group || 'cert-manager.io';
  return (ref.name === undefined || wildcardMatches(ref.name, issuer.name)) && (ref.kind === undefined || wildcardMatches(ref.kind, kind)) && (ref.group === undefined || wildcardMatches(ref.group, group));
}

function namespaceMatches(selector: Manifest['spec']['selector'], namespace: string, labels: Readonly<Record<string, string>>): boolean {
  const ns = selector?.namespace;
  if (ns === undefined) return true;
  const matchNames: string[] = ns.matchNames ?? [];
  if (matchNames.length > 0 && !matchNames.some((n) => wildcardMatches(n, namespace))) return false;
  return Object.entries((ns.matchLabels ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v);
}

/** Kubernetes RBAC (ClusterRoleBindings, and RoleBindings of `namespace`) for verb `use` on one policy. */
function rbacAllows(objects: readonly Manifest[], username: string, groups: readonly string[], namespace: string, policy: string): boolean {
  const rbac = (kind: string) => objects.filter((o) => o?.apiVersion === 'rbac.authorization.k8s.io/v1' && o.kind === kind);
  const roles = rbac('Role');
  const clusterRoles = rbac('ClusterRole');
  const bindings = [...rbac('ClusterRoleBinding'), ...rbac('RoleBinding').filter((b) => b.metadata.namespace === namespace)];
  const appliesTo = (subject: { kind: string; name: string; namespace?: string }, bindingNamespace: string) => {
    switch (subject.kind) {
      case 'User':
        return subject.name === username;
      case 'Group':
        return groups.includes(subject.name);
      case 'ServiceAccount':
        return username === `system:serviceaccount:${subject.namespace || bindingNamespace}:${subject.name}`;
      default:
        return false;
    }
  };
  const has = (list: string[] | undefined, value: string) => (list ?? []).some((v) => v === '*' || v === value);
  const allows = (rule: { verbs?: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }) =>
    has(rule.verbs, 'use') &&
    has(rule.apiGroups, 'policy.cert-manager.io') &&
    has(rule.resources, 'certificaterequestpolicies') &&
    ((rule.resourceNames ?? []).length === 0 || rule.resourceNames!.includes(policy));
  return bindings.some((binding) => {
    const bindingNamespace = binding.kind === 'RoleBinding' ? (binding.metadata.namespace ?? '') : '';
    if (!(binding.subjects ?? []).some((s: { kind: string; name: string; namespace?: string }) => appliesTo(s, bindingNamespace))) return false;
    const ref = binding.roleRef as { kind: string; name: string };
    const role =
      ref.kind === 'ClusterRole'
        ? clusterRoles.find((r) => r.metadata.name === ref.name)
        : binding.kind === 'RoleBinding'
          ? roles.find((r) => r.metadata.name === ref.name && r.metadata.namespace === bindingNamespace)
          : undefined;
    return ((role?.rules ?? []) as Parameters<typeof allows>[0][]).some(allows);
  });
}

/** evaluateString (allowed/evaluator.go, v0.27.0). */
function stringProblems(field: string, value: string | undefined, allowed: AllowedString | undefined): string[] {
  if (value === undefined || value.length === 0) return allowed?.required === true ? [`${field}: required`] : [];
  if (allowed === undefined || allowed.value === undefined) return [`${field}: ${JSON.stringify(value)}: no allowed value`];
  return wildcardMatches(allowed.value, value) ? [] : [`${field}.value: ${JSON.stringify(value)} is not ${JSON.stringify(allowed.value)}`];
}

/** evaluateSlice (allowed/evaluator.go, v0.27.0). */
function sliceProblems(field: string, values: readonly string[] | undefined, allowed: AllowedSlice | undefined): string[] {
  if (values === undefined || values.length === 0) return allowed?.required === true ? [`${field}: required`] : [];
  if (allowed === undefined || allowed.values === undefined) return [`${field}: ${JSON.stringify(values)}: no allowed values`];
  return wildcardSubset(allowed.values, values) ? [] : [`${field}.values: ${JSON.stringify(values)} is not a subset of ${JSON.stringify(allowed.values)}`];
}

function allowedProblems(allowed: Record<string, any>, request: CertificateRequestFacts): string[] {
  const subject = request.subject ?? {};
  const allowedSubject = allowed.subject ?? {};
  const otherNames = new Map<string, string[]>();
  for (const { oid, value } of request.otherNames ?? []) otherNames.set(oid, [...(otherNames.get(oid) ?? []), value]);
  const allowedOtherNames = (allowed.otherNames ?? []) as (AllowedSlice & { oid: string })[];
  const usages = request.usages ?? [];
  return [
    ...stringProblems('allowed.commonName', request.commonName, allowed.commonName),
    ...sliceProblems('allowed.dnsNames', request.dnsNames, allowed.dnsNames),
    ...sliceProblems('allowed.ipAddresses', request.ipAddresses, allowed.ipAddresses),
    ...sliceProblems('allowed.uris', request.uris, allowed.uris),
    ...sliceProblems('allowed.emailAddresses', request.emailAddresses, allowed.emailAddresses),
    // A CA is denied unless isCA is true (evaluateBool).
    ...(request.isCA === true && allowed.isCA !== true ? ['allowed.isCA: a CA is not allowed'] : []),
    // Usages are checked only when the request names some, as a subset (Usages()).
    ...(usages.length === 0
      ? []
      : allowed.usages === undefined
        ? [`allowed.usages: ${JSON.stringify(usages)}: no allowed usages`]
        : wildcardSubset(allowed.usages, usages)
          ? []
          : [`allowed.usages: ${JSON.stringify(usages)} is not a subset of ${JSON.stringify(allowed.usages)}`]),
    // otherName SANs: only OIDs the policy lists (OtherNames()).
    ...[...otherNames].flatMap(([oid, values]) => {
      const entry = allowedOtherNames.find((e) => e.oid === oid);
      return entry === undefined ? [`allowed.otherNames[${oid}]: no allowed values`] : sliceProblems(`allowed.otherNames[${oid}]`, values, entry);
    }),
    ...allowedOtherNames.filter((e) => e.required === true && !otherNames.has(e.oid)).map((e) => `allowed.otherNames[${e.oid}]: required`),
    ...(['organizations', 'countries', 'organizationalUnits', 'localities', 'provinces', 'streetAddresses', 'postalCodes'] as const).flatMap((key) =>
      sliceProblems(`allowed.subject.${key}`, subject[key], allowedSubject[key]),
    ),
    ...stringProblems('allowed.subject.serialNumber', subject.serialNumber, allowedSubject.serialNumber),
  ];
}

function constraintsProblems(constraints: Record<string, any> | undefined, request: CertificateRequestFacts): string[] {
  if (constraints === undefined) return [];
  const problems: string[] = [];
  const requested = request.duration === undefined ? undefined : goDurationNanos(request.duration);
  if (request.duration !== undefined && requested === undefined) throw new Error(`request duration ${JSON.stringify(request.duration)} is not a Go duration`);
  for (const [key, tooFar] of [
    ['maxDuration', (limit: number, d: number) => d > limit],
    ['minDuration', (limit: number, d: number) => d < limit],
  ] as const) {
    if (constraints[key] === undefined) continue;
    const limit = goDurationNanos(constraints[key]);
    if (limit === undefined) throw new Error(`constraints.${key} ${JSON.stringify(constraints[key])} is not a Go duration`);
    // A request without a duration fails either bound.
    if (requested === undefined) problems.push(`constraints.${key}: the request has no duration`);
    else if (tooFar(limit, requested)) problems.push(`constraints.${key}: ${request.duration} is beyond ${constraints[key]}`);
  }
  const key = constraints.privateKey as { algorithm?: string; minSize?: number; maxSize?: number } | undefined;
  if (key !== undefined) {
    if (request.privateKey === undefined) throw new Error('request privateKey is needed: the policy constrains the key');
    // decodePublicKey: RSA modulus bits, ECDSA curve bits, Ed25519 -1.
    const size = request.privateKey.algorithm === 'Ed25519' ? -1 : (request.privateKey.size ?? 0);
    if (key.algorithm !== undefined && key.algorithm !== request.privateKey.algorithm) problems.push(`constraints.privateKey.algorithm: ${request.privateKey.algorithm} is not ${key.algorithm}`);
    if (key.maxSize !== undefined && size > key.maxSize) problems.push(`constraints.privateKey.maxSize: ${size} is above ${key.maxSize}`);
    if (key.minSize !== undefined && size < key.minSize) problems.push(`constraints.privateKey.minSize: ${size} is below ${key.minSize}`);
  }
  return problems;
}
