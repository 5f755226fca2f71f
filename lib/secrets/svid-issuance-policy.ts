import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  CertificateRequestPolicy,
  CertificateRequestPolicySpecAllowedUsages,
  CertificateRequestPolicySpecConstraintsPrivateKeyAlgorithm,
} from '../../imports/certificaterequestpolicies-policy.cert-manager.io';
import { goDurationNanos } from '../common/go-duration';
import { DNS1123_SUBDOMAIN } from '../common/kube-values';
import { labelNameProblem, labelsProblems, objectNameProblem, throwIfProblems } from '../common/problems';
import { type IssuerRef, issuerRefProblems, RegionContext } from '../common/region-context';
import type { WorkloadRef } from './spiffe';

/** One X.509 SVID the library has cert-manager issue in a region cluster: its Certificate and what it asks for. */
export interface IssuedIdentity {
  /** Namespace of the Certificate, and so of the CertificateRequests cert-manager makes from it. */
  readonly namespace: string;
  /** Name of the cert-manager Certificate. */
  readonly certificateName: string;
  /** The certificate's subject CN (non-empty, at most 64 characters; OpenBao names the login alias after it). */
  readonly commonName: string;
  /** The certificate's one URI SAN, `spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>[/more/path]`. */
  readonly spiffeId: string;
  /** The (Cluster)Issuer the Certificate names in `issuerRef` (group `cert-manager.io`). */
  readonly issuer: IssuerRef;
  /** The Certificate's `duration`; the policy's `maxDuration`. */
  readonly duration: string;
  /** The Certificate's `renewBefore`; checked to be shorter than `duration`. @default - not checked */
  readonly renewBefore?: string;
}

export interface SvidIssuancePolicyProps {
  /**
   * The SVIDs to approve, each with its own policy (at least one when given). @default - every SVID a
   * `WorkloadIdentity` binds in this construct's region context, including those bound after it
   */
  readonly identities?: readonly IssuedIdentity[];
  /**
   * The cert-manager controller's service account: it creates the CertificateRequests of every Certificate, so it is
   * the requester approver-policy checks. @default { namespace: 'cert-manager', serviceAccount: 'cert-manager' }
   */
  readonly certManager?: WorkloadRef;
  /** Labels of every rendered object. @default - none */
  readonly labels?: Record<string, string>;
}

/** What an SVID Certificate asks for (lib/secrets/workload-identity.ts); the policies allow exactly this and no more. */
export const SVID_USAGES: readonly CertificateRequestPolicySpecAllowedUsages[] = [
  CertificateRequestPolicySpecAllowedUsages.CLIENT_AUTH,
  CertificateRequestPolicySpecAllowedUsages.DIGITAL_SIGNATURE,
  CertificateRequestPolicySpecAllowedUsages.KEY_ENCIPHERMENT,
];
/** ECDSA P-256, the key of every SVID Certificate. */
export const SVID_PRIVATE_KEY = { algorithm: CertificateRequestPolicySpecConstraintsPrivateKeyAlgorithm.ECDSA, size: 256 } as const;
/** Name of the Role and RoleBinding, in each identity's namespace, that let cert-manager use that namespace's policies. */
export const SVID_POLICY_RBAC_NAME = 'svid-issuance-policies';
/** The cert-manager Helm chart's controller service account (release `cert-manager` in namespace `cert-manager`). */
export const CERT_MANAGER_CONTROLLER: WorkloadRef = { namespace: 'cert-manager', serviceAccount: 'cert-manager' };

// Literal characters only: approver-policy matches allowed values and selectors with '*' wildcards, so a '*' in a CN
// or URI would approve a family of identities (cert-manager/approver-policy v0.27.0 pkg/internal/util/wildcard.go).
// Our CN, URI, namespace and issuer names are all validated to hold none.
const COMMON_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
// SPIFFE IDs whose Go url.String() is the text itself: no '*', '%', query, fragment, userinfo or port; approver-policy
// compares the String() of the CSR's parsed URIs (cert-manager/approver-policy v0.27.0 pkg/internal/approver/allowed/evaluator.go URIs).
const SPIFFE_URI = /^spiffe:\/\/(?<trustDomain>[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)(?<path>(\/[A-Za-z0-9._-]+)+)$/;
const NAME_MAX = 253;

/**
 * Who may mint an SVID: one cert-manager approver-policy `CertificateRequestPolicy` per identity that approves only a
 * request for exactly that identity — its CN and its one SPIFFE URI SAN, both required; no DNS, IP, e-mail or other
 * SANs and no other subject attributes; not a CA; client auth, digital signature and key encipherment at most;
 * ECDSA P-256; at most its duration — from its namespace and to its issuer. Per namespace a Role and RoleBinding let
 * the cert-manager controller (the requester of every Certificate's CertificateRequests) `use` that namespace's
 * policies and no others.
 *
 * It does nothing while cert-manager's own approver runs: install approver-policy and set cert-manager's
 * `disableAutoApproval: true` (README, "Who may mint an identity").
 */
export class SvidIssuancePolicy extends Construct {
  /** The policy of one identity, `svid-<namespace>-<certificateName>`. */
  public static policyName(identity: Pick<IssuedIdentity, 'namespace' | 'certificateName'>): string {
    return `svid-${identity.namespace}-${identity.certificateName}`;
  }

  /** The service account the Role bindings name: the requester of every Certificate's CertificateRequests. */
  public readonly certManager: WorkloadRef;
  private readonly identityList: IssuedIdentity[] = [];
  private readonly policiesByNamespace = new Map<string, string[]>();
  private readonly labels?: Record<string, string>;

  constructor(scope: Construct, id: string, props: SvidIssuancePolicyProps = {}) {
    super(scope, id);
    const certManager = props.certManager ?? CERT_MANAGER_CONTROLLER;
    throwIfProblems('SvidIssuancePolicy', [
      ...(props.identities === undefined ? [] : identitiesProblems(props.identities)),
      ...certManagerProblems(props.certManager),
      ...labelsProblems('labels', props.labels),
    ]);
    this.certManager = { ...certManager };
    this.labels = props.labels;
    if (props.identities !== undefined) {
      for (const identity of props.identities) this.render(identity);
    } else {
      // Every SVID bound in this region, before and after this construct: none can be issued without its policy.
      RegionContext.of(this).onIssuedIdentity((identity) => this.addIdentity(identity));
    }
  }

  /** The identities, in the order added. */
  public get identities(): readonly IssuedIdentity[] {
    return [...this.identityList];
  }

  /** The policy names, one per identity in the order added. */
  public get policyNames(): readonly string[] {
    return this.identityList.map((identity) => SvidIssuancePolicy.policyName(identity));
  }

  /** Adds the policy of one more identity (and its namespace's Role, the first time). */
  public addIdentity(identity: IssuedIdentity): void {
    const problems = identitiesProblems([...this.identityList, identity]).filter((p) => p.startsWith(`identities[${this.identityList.length}]`));
    throwIfProblems(`SvidIssuancePolicy identity ${String(identity?.spiffeId)}`, problems);
    this.render(identity);
  }

  private render(identity: IssuedIdentity): void {
    this.identityList.push(identity);
    const name = SvidIssuancePolicy.policyName(identity);
    new CertificateRequestPolicy(this, name, {
      metadata: { name, labels: this.labels },
      spec: {
        // Every attribute left out is one a request must not carry: DNS, IP, e-mail and otherName SANs, subject
        // attributes other than the CN (cert-manager/approver-policy v0.27.0 pkg/internal/approver/allowed/evaluator.go).
        allowed: {
          // Exact CN; a request without one is denied (cert-manager/approver-policy v0.27.0 pkg/internal/approver/allowed/evaluator.go evaluateString).
          commonName: { value: identity.commonName, required: true },
          // Each requested URI must match a value, at least one required (cert-manager/approver-policy v0.27.0 pkg/internal/approver/allowed/evaluator.go evaluateSlice).
          uris: { values: [identity.spiffeId], required: true },
          // spec.isCA true is denied (cert-manager/approver-policy v0.27.0 pkg/internal/approver/allowed/evaluator.go evaluateBool).
          isCa: false,
          // spec.usages must be a subset; a request with none passes and gets cert-manager's default digital signature +
          // key encipherment (cert-manager/approver-policy v0.27.0 pkg/internal/approver/allowed/evaluator.go Usages;
          // cert-manager v1.21.1 internal/apis/certmanager/validation/certificaterequest.go holds the CSR to spec.usages).
          usages: [...SVID_USAGES],
        },
        constraints: {
          // A request without spec.duration, or a longer one, is denied (cert-manager/approver-policy v0.27.0 pkg/internal/approver/constraints/evaluator.go).
          maxDuration: identity.duration,
          // The CSR's public key: algorithm and curve bits (cert-manager/approver-policy v0.27.0 pkg/internal/approver/constraints/evaluator.go decodePublicKey).
          privateKey: { algorithm: SVID_PRIVATE_KEY.algorithm, minSize: SVID_PRIVATE_KEY.size, maxSize: SVID_PRIVATE_KEY.size },
        },
        selector: {
          // A request's kind and group default to Issuer and cert-manager.io before matching; all three are set here
          // (cert-manager/approver-policy v0.27.0 pkg/internal/approver/manager/predicate/predicate.go SelectorIssuerRef).
          issuerRef: { name: identity.issuer.name, kind: identity.issuer.kind, group: 'cert-manager.io' },
          // Matched against the CertificateRequest's namespace (cert-manager/approver-policy v0.27.0 pkg/internal/approver/manager/predicate/predicate.go SelectorNamespace).
          namespace: { matchNames: [identity.namespace] },
        },
      },
    });

    const { namespace } = identity;
    const existing = this.policiesByNamespace.get(namespace);
    if (existing !== undefined) {
      existing.push(name);
      return;
    }
    const policies = [name];
    this.policiesByNamespace.set(namespace, policies);
    RegionContext.tryOf(this)?.ensureNamespace(this, namespace);
    const metadata = { name: SVID_POLICY_RBAC_NAME, namespace, labels: this.labels };
    // approver-policy weighs only policies the requester may `use`: a SubjectAccessReview in the request's namespace
    // for its spec.username and groups (cert-manager/approver-policy v0.27.0 pkg/internal/approver/manager/predicate/predicate.go RBACBound),
    // so a Role here lists exactly this namespace's policies. The requester of a Certificate's CertificateRequests is
    // the controller (cert-manager/cert-manager v1.21.1 pkg/controller/certificates/requestmanager/requestmanager_controller.go
    // creates them with its own client; internal/webhook/admission/certificaterequest/identity/certificaterequest_identity.go
    // records the caller as spec.username).
    new k8s.KubeRole(this, `use-${namespace}`, {
      metadata,
      // Rendered at synthesis: identities added later in this namespace join the list.
      rules: [{ apiGroups: ['policy.cert-manager.io'], resources: ['certificaterequestpolicies'], verbs: ['use'], resourceNames: Lazy.any({ produce: () => [...policies].sort() }) }],
    });
    new k8s.KubeRoleBinding(this, `use-${namespace}-binding`, {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SVID_POLICY_RBAC_NAME },
      subjects: [{ kind: 'ServiceAccount', name: this.certManager.serviceAccount, namespace: this.certManager.namespace }],
    });
  }
}

function identitiesProblems(identities: readonly IssuedIdentity[] | undefined): string[] {
  if (!Array.isArray(identities) || identities.length === 0) {
    return [`identities: ${JSON.stringify(identities)} must list at least one identity; a region without SVIDs needs no SvidIssuancePolicy`];
  }
  const problems: string[] = [];
  const byPolicy = new Map<string, number>();
  const bySpiffeId = new Map<string, number>();
  identities.forEach((identity, index) => {
    const field = `identities[${index}]`;
    if (identity === null || typeof identity !== 'object') {
      problems.push(`${field}: ${JSON.stringify(identity) ?? 'undefined'} must be an identity { namespace, certificateName, commonName, spiffeId, issuer, duration }`);
      return;
    }
    const own = identityProblems(field, identity);
    problems.push(...own);
    if (own.length > 0) return;
    const name = SvidIssuancePolicy.policyName(identity);
    const samePolicy = byPolicy.get(name);
    if (samePolicy !== undefined) {
      const other = identities[samePolicy];
      problems.push(
        other.namespace === identity.namespace && other.certificateName === identity.certificateName
          ? `${field}: duplicates identities[${samePolicy}] (Certificate ${identity.namespace}/${identity.certificateName}); list each Certificate once`
          : `${field}: its policy name "${name}" collides with that of identities[${samePolicy}] (Certificate ${other.namespace}/${other.certificateName}); rename one of the Certificates`,
      );
    } else if (name.length > NAME_MAX) {
      problems.push(`${field}: its policy name "${name}" has ${name.length} characters, more than the ${NAME_MAX} of a Kubernetes object name; shorten the Certificate name`);
    }
    byPolicy.set(name, byPolicy.get(name) ?? index);
    const sameId = bySpiffeId.get(identity.spiffeId);
    if (sameId !== undefined) {
      problems.push(`${field}.spiffeId: "${identity.spiffeId}" is already issued by identities[${sameId}] (Certificate ${identities[sameId].namespace}/${identities[sameId].certificateName}); one Certificate per SPIFFE ID`);
    }
    bySpiffeId.set(identity.spiffeId, bySpiffeId.get(identity.spiffeId) ?? index);
  });
  return problems;
}

function identityProblems(field: string, identity: IssuedIdentity): string[] {
  const problems = [labelNameProblem(`${field}.namespace`, identity.namespace), objectNameProblem(`${field}.certificateName`, identity.certificateName)].filter(
    (p): p is string => p !== undefined,
  );
  const { commonName, spiffeId, duration, renewBefore } = identity;
  if (typeof commonName !== 'string' || commonName.length > 64 || !COMMON_NAME.test(commonName)) {
    problems.push(
      `${field}.commonName: ${JSON.stringify(commonName)} must be 1 to 64 letters, digits, '.', '_' or '-' (no '*': approver-policy would read it as a wildcard), such as "external-secrets.external-secrets-system"`,
    );
  }
  const uri = typeof spiffeId === 'string' && spiffeId.length <= 2048 ? SPIFFE_URI.exec(spiffeId) : null;
  const segments = uri?.groups?.path.split('/').slice(1) ?? [];
  if (uri === null || segments.some((s) => s === '.' || s === '..')) {
    problems.push(
      `${field}.spiffeId: ${JSON.stringify(spiffeId)} must be a SPIFFE ID "spiffe://<trust domain>/ns/<namespace>/sa/<service account>" of letters, digits, '.', '_' and '-' (no '*': approver-policy would read it as a wildcard)`,
    );
  } else if (segments[0] !== 'ns' || segments[1] !== identity.namespace || segments[2] !== 'sa' || segments[3] === undefined || !DNS1123_SUBDOMAIN.test(segments[3])) {
    problems.push(`${field}.spiffeId: "${spiffeId}" must start "spiffe://${uri.groups?.trustDomain}/ns/${String(identity.namespace)}/sa/<service account>": an identity is issued only in its own namespace`);
  }
  if (identity.issuer === null || typeof identity.issuer !== 'object') problems.push(`${field}.issuer: ${JSON.stringify(identity.issuer)} must be { kind: 'Issuer' | 'ClusterIssuer', name }`);
  else problems.push(...issuerRefProblems(`${field}.issuer`, identity.issuer));
  const durationNanos = typeof duration === 'string' ? goDurationNanos(duration) : undefined;
  if (durationNanos === undefined || durationNanos <= 0) problems.push(`${field}.duration: ${JSON.stringify(duration)} must be a positive duration such as "1h"`);
  if (renewBefore !== undefined) {
    const renewNanos = typeof renewBefore === 'string' ? goDurationNanos(renewBefore) : undefined;
    if (renewNanos === undefined) problems.push(`${field}.renewBefore: ${JSON.stringify(renewBefore)} must be a duration such as "20m"`);
    else if (durationNanos !== undefined && renewNanos >= durationNanos) problems.push(`${field}.renewBefore: "${renewBefore}" must be shorter than duration "${duration}"`);
  }
  return problems;
}

function certManagerProblems(certManager: WorkloadRef | undefined): string[] {
  if (certManager === undefined) return [];
  return [labelNameProblem('certManager.namespace', certManager.namespace), objectNameProblem('certManager.serviceAccount', certManager.serviceAccount)].filter(
    (p): p is string => p !== undefined,
  );
}
