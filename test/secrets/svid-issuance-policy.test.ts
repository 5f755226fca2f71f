import { App, Chart, Testing } from 'cdk8s';
import * as api from '../../lib';
import { RegionContext } from '../../lib/common/region-context';
import { ESO_WORKLOAD, REPLICATION_PULL, REPLICATION_RESTORE, type WorkloadRef } from '../../lib/secrets/spiffe';
import { requestFromCertificate, reviewCertificateRequest, serviceAccountUser, svidRequest, wildcardMatches } from '../../lib/secrets/svid-approval-model';
import { type IssuedIdentity, SvidIssuancePolicy, type SvidIssuancePolicyProps } from '../../lib/secrets/svid-issuance-policy';
import { WorkloadIdentity } from '../../lib/secrets/workload-identity';
import { expectValidManifests } from '../helpers/manifests';

const TRUST_DOMAIN = 'omantel.example';
const ISSUER = { kind: 'ClusterIssuer', name: 'spiffe-ca' } as const;

/** The Certificates the library renders for ESO and two replication identities, and the identities they issue. */
function svids() {
  const chart = Testing.chart();
  const bind = (id: string, workload: WorkloadRef) => WorkloadIdentity.spiffeCertificate().bind(chart, id, { workload, trustDomain: TRUST_DOMAIN, issuer: ISSUER });
  bind('eso', ESO_WORKLOAD);
  bind('pull', REPLICATION_PULL);
  bind('restore', REPLICATION_RESTORE);
  const certificates = Testing.synth(chart) as any[];
  const identities: IssuedIdentity[] = certificates.map((c) => ({
    namespace: c.metadata.namespace,
    certificateName: c.metadata.name,
    commonName: c.spec.commonName,
    spiffeId: c.spec.uris[0],
    issuer: { kind: c.spec.issuerRef.kind, name: c.spec.issuerRef.name },
    duration: c.spec.duration,
    renewBefore: c.spec.renewBefore,
  }));
  return { certificates, identities };
}

function render(props: Partial<SvidIssuancePolicyProps> = {}): any[] {
  const chart = Testing.chart();
  new SvidIssuancePolicy(chart, 'svid-policy', { identities: svids().identities, ...props });
  return Testing.synth(chart);
}

const ofKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);
const { certificates, identities } = svids();
const [eso, pull, restore] = identities;
const [esoCertificate, pullCertificate] = certificates;

describe('SvidIssuancePolicy', () => {
  test('snapshot: three identities in two namespaces', () => {
    expect(render()).toMatchSnapshot();
  });

  test('every rendered object passes the manifest validator', () => {
    // GIVEN the policies and their RBAC, and the Certificates they admit
    const objects = render({ labels: { 'app.kubernetes.io/managed-by': 'sovereign-cdk8s' } });
    // THEN strict schema, CEL rules, Pod Security and secret-data checks all pass
    expectValidManifests([...objects, ...certificates]);
  });

  test('one cluster-scoped policy per identity, named svid-<namespace>-<certificateName>', () => {
    const policies = ofKind(render(), 'CertificateRequestPolicy');
    expect(policies.map((p) => [p.apiVersion, p.metadata.name, p.metadata.namespace])).toEqual([
      ['policy.cert-manager.io/v1alpha1', 'svid-external-secrets-system-external-secrets-svid', undefined],
      ['policy.cert-manager.io/v1alpha1', 'svid-openbao-openbao-replication-pull-svid', undefined],
      ['policy.cert-manager.io/v1alpha1', 'svid-openbao-openbao-replication-restore-svid', undefined],
    ]);
    expect(SvidIssuancePolicy.policyName(eso)).toBe('svid-external-secrets-system-external-secrets-svid');
  });

  test('the ESO policy allows exactly its CN and URI, from its namespace, to its issuer', () => {
    const [policy] = ofKind(render(), 'CertificateRequestPolicy');
    expect(policy.spec).toEqual({
      allowed: {
        commonName: { value: 'external-secrets.external-secrets-system', required: true },
        uris: { values: ['spiffe://omantel.example/ns/external-secrets-system/sa/external-secrets'], required: true },
        isCA: false,
        usages: ['client auth', 'digital signature', 'key encipherment'],
      },
      constraints: { maxDuration: '1h', privateKey: { algorithm: 'ECDSA', minSize: 256, maxSize: 256 } },
      selector: {
        issuerRef: { name: 'spiffe-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
        namespace: { matchNames: ['external-secrets-system'] },
      },
    });
    // No DNS, IP, e-mail or otherName SANs and no subject attributes: omitted fields deny them.
    expect(Object.keys(policy.spec.allowed).sort()).toEqual(['commonName', 'isCA', 'uris', 'usages']);
  });

  test('per namespace, a Role lets the cert-manager controller use that namespace\'s policies and no others', () => {
    const objects = render();
    expect(ofKind(objects, 'Role').map((r) => [r.metadata.namespace, r.metadata.name, r.rules])).toEqual([
      [
        'external-secrets-system',
        'svid-issuance-policies',
        [{ apiGroups: ['policy.cert-manager.io'], resources: ['certificaterequestpolicies'], verbs: ['use'], resourceNames: ['svid-external-secrets-system-external-secrets-svid'] }],
      ],
      [
        'openbao',
        'svid-issuance-policies',
        [
          {
            apiGroups: ['policy.cert-manager.io'],
            resources: ['certificaterequestpolicies'],
            verbs: ['use'],
            resourceNames: ['svid-openbao-openbao-replication-pull-svid', 'svid-openbao-openbao-replication-restore-svid'],
          },
        ],
      ],
    ]);
    expect(ofKind(objects, 'RoleBinding').map((b) => [b.metadata.namespace, b.roleRef, b.subjects])).toEqual(
      ['external-secrets-system', 'openbao'].map((ns) => [
        ns,
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'svid-issuance-policies' },
        [{ kind: 'ServiceAccount', name: 'cert-manager', namespace: 'cert-manager' }],
      ]),
    );
  });

  test('the cert-manager controller\'s service account is configurable', () => {
    const bindings = ofKind(render({ certManager: { namespace: 'security', serviceAccount: 'cm-controller' } }), 'RoleBinding');
    expect(bindings.map((b) => b.subjects)).toEqual([
      [{ kind: 'ServiceAccount', name: 'cm-controller', namespace: 'security' }],
      [{ kind: 'ServiceAccount', name: 'cm-controller', namespace: 'security' }],
    ]);
  });

  test('the construct is public; the approval model is not', () => {
    expect(api).toHaveProperty('SvidIssuancePolicy', SvidIssuancePolicy);
    for (const internal of ['reviewCertificateRequest', 'requestFromCertificate', 'svidRequest', 'wildcardMatches']) expect(api).not.toHaveProperty(internal);
  });

  test('inside a region chart, the identities\' namespaces are created', () => {
    // GIVEN a chart with a region context that creates namespaces
    const chart = new Chart(new App(), 'fsn');
    RegionContext.provide(chart, { sovereign: 'omantel', region: 'hz-fsn-rtz-prod', trustDomain: TRUST_DOMAIN });
    // WHEN the policies render into it
    new SvidIssuancePolicy(chart, 'svid-policy', { identities });
    // THEN the Roles' namespaces exist, Pod Security restricted
    const namespaces = ofKind(Testing.synth(chart), 'Namespace');
    expect(namespaces.map((n) => [n.metadata.name, n.metadata.labels['pod-security.kubernetes.io/enforce']])).toEqual([
      ['external-secrets-system', 'restricted'],
      ['openbao', 'restricted'],
    ]);
  });
});

describe('who approver-policy would let mint an SVID', () => {
  const objects = render();
  const review = (request: Parameters<typeof svidRequest>[0]) => reviewCertificateRequest(objects, svidRequest(request));

  test('each identity\'s own Certificate is approved, by its own policy', () => {
    for (const certificate of certificates) {
      const decision = reviewCertificateRequest(objects, requestFromCertificate(certificate));
      expect(decision).toMatchObject({ result: 'Approved', policy: `svid-${certificate.metadata.namespace}-${certificate.metadata.name}` });
    }
  });

  test('a request for the ESO identity from another namespace is refused', () => {
    // GIVEN a Certificate with ESO's CN and URI in the openbao namespace
    const decision = reviewCertificateRequest(objects, { ...requestFromCertificate(esoCertificate), namespace: 'openbao' });
    // THEN only openbao's policies apply, and both refuse it
    expect(decision.result).toBe('Denied');
    expect(decision.applicable).toEqual(['svid-openbao-openbao-replication-pull-svid', 'svid-openbao-openbao-replication-restore-svid']);
    expect(decision.denials['svid-openbao-openbao-replication-pull-svid']).toEqual([
      'allowed.commonName.value: "external-secrets.external-secrets-system" is not "openbao-replication-pull.openbao"',
      'allowed.uris.values: ["spiffe://omantel.example/ns/external-secrets-system/sa/external-secrets"] is not a subset of ["spiffe://omantel.example/ns/openbao/sa/openbao-replication-pull"]',
    ]);
  });

  test('a request for the ESO identity from a namespace without policies stays pending, never approved', () => {
    expect(review({ namespace: 't-acme', issuer: ISSUER, commonName: eso.commonName, uris: [eso.spiffeId] }).result).toBe('Unprocessed');
  });

  test('a request with one identity\'s URI and another\'s CN is refused', () => {
    const decision = review({ namespace: 'openbao', issuer: ISSUER, commonName: restore.commonName, uris: [pull.spiffeId] });
    expect(decision.result).toBe('Denied');
    expect(decision.denials['svid-openbao-openbao-replication-pull-svid']).toEqual([
      'allowed.commonName.value: "openbao-replication-restore.openbao" is not "openbao-replication-pull.openbao"',
    ]);
  });

  test('a request with an extra URI is refused', () => {
    const decision = review({ namespace: 'openbao', issuer: ISSUER, commonName: pull.commonName, uris: [pull.spiffeId, restore.spiffeId] });
    expect(decision.result).toBe('Denied');
    expect(decision.denials['svid-openbao-openbao-replication-pull-svid']).toEqual([
      'allowed.uris.values: ["spiffe://omantel.example/ns/openbao/sa/openbao-replication-pull","spiffe://omantel.example/ns/openbao/sa/openbao-replication-restore"] is not a subset of ["spiffe://omantel.example/ns/openbao/sa/openbao-replication-pull"]',
    ]);
  });

  test('a request to another issuer stays pending, never approved', () => {
    const request = { ...requestFromCertificate(pullCertificate), issuer: { kind: 'ClusterIssuer', name: 'other-ca' } };
    expect(reviewCertificateRequest(objects, request)).toMatchObject({ result: 'Unprocessed', approved: false, applicable: [] });
    // An Issuer of the same name is another signer: no policy selects it either.
    expect(reviewCertificateRequest(objects, { ...request, issuer: { name: 'spiffe-ca' } }).result).toBe('Unprocessed');
  });

  test.each([
    ['without a CN', { commonName: undefined }, 'allowed.commonName: required'],
    ['without a URI', { uris: [] }, 'allowed.uris: required'],
    ['with a DNS name', { dnsNames: ['openbao.openbao.svc'] }, 'allowed.dnsNames: ["openbao.openbao.svc"]: no allowed values'],
    ['with an IP address', { ipAddresses: ['10.0.0.1'] }, 'allowed.ipAddresses: ["10.0.0.1"]: no allowed values'],
    ['with an e-mail address', { emailAddresses: ['ops@omantel.example'] }, 'allowed.emailAddresses: ["ops@omantel.example"]: no allowed values'],
    ['with an otherName SAN', { otherNames: [{ oid: '1.3.6.1.4.1.311.20.2.3', value: 'ops@omantel.example' }] }, 'allowed.otherNames[1.3.6.1.4.1.311.20.2.3]: no allowed values'],
    ['with an organization', { subject: { organizations: ['omantel'] } }, 'allowed.subject.organizations: ["omantel"]: no allowed values'],
    ['for a CA', { isCA: true }, 'allowed.isCA: a CA is not allowed'],
    ['with server auth', { usages: ['client auth', 'server auth'] }, 'allowed.usages: ["client auth","server auth"] is not a subset of ["client auth","digital signature","key encipherment"]'],
    ['for longer than its duration', { duration: '2h' }, 'constraints.maxDuration: 2h is beyond 1h'],
    ['without a duration', { duration: undefined }, 'constraints.maxDuration: the request has no duration'],
    ['with an RSA key', { privateKey: { algorithm: 'RSA', size: 2048 } as const }, 'constraints.privateKey.algorithm: RSA is not ECDSA'],
    ['with a P-384 key', { privateKey: { algorithm: 'ECDSA', size: 384 } as const }, 'constraints.privateKey.maxSize: 384 is above 256'],
  ])('a request for the pull identity %s is refused', (_, override, reason) => {
    const decision = review({ namespace: 'openbao', issuer: ISSUER, commonName: pull.commonName, uris: [pull.spiffeId], ...override });
    expect(decision.result).toBe('Denied');
    expect(decision.denials['svid-openbao-openbao-replication-pull-svid']).toContain(reason);
  });

  test('a shorter-lived request with fewer usages is still approved (approver-policy allows a subset)', () => {
    const decision = review({ namespace: 'openbao', issuer: ISSUER, commonName: pull.commonName, uris: [pull.spiffeId], duration: '30m', usages: ['client auth'] });
    expect(decision.result).toBe('Approved');
  });

  test('durations are compared by value, as Go parses them', () => {
    const base = { namespace: 'openbao', issuer: ISSUER, commonName: pull.commonName, uris: [pull.spiffeId] };
    expect(review({ ...base, duration: '60m' }).result).toBe('Approved');
    expect(review({ ...base, duration: '0.5h30m' }).result).toBe('Approved');
    expect(review({ ...base, duration: '3601s' }).result).toBe('Denied');
  });

  test('a CertificateRequest a tenant creates by hand, even in the identity\'s namespace, stays pending', () => {
    // GIVEN the requester is not the cert-manager controller but a service account of the namespace
    const request = { ...requestFromCertificate(pullCertificate), requester: serviceAccountUser('openbao', 'default') };
    // THEN no policy is bound to it, so none applies
    expect(reviewCertificateRequest(objects, request)).toMatchObject({ result: 'Unprocessed', applicable: [] });
  });

  test('without the RBAC the policies do not apply, and without the policies nothing is approved', () => {
    const policiesOnly = ofKind(objects, 'CertificateRequestPolicy');
    expect(reviewCertificateRequest(policiesOnly, requestFromCertificate(pullCertificate)).result).toBe('Unprocessed');
    expect(reviewCertificateRequest([], requestFromCertificate(pullCertificate)).result).toBe('Unprocessed');
  });

  test('the namespace selector and the RBAC each keep a policy to its namespace on their own', () => {
    // GIVEN the ESO request made from the openbao namespace, which both guards stop
    const request = { ...requestFromCertificate(esoCertificate), namespace: 'openbao' };
    const esoPolicy = 'svid-external-secrets-system-external-secrets-svid';
    // WHEN the ESO policy loses its namespace selector, THEN openbao's Role still does not let cert-manager use it
    const unselected = objects.map((o) => (o.metadata.name === esoPolicy ? { ...o, spec: { ...o.spec, selector: { issuerRef: o.spec.selector.issuerRef } } } : o));
    expect(reviewCertificateRequest(unselected, request).applicable).not.toContain(esoPolicy);
    // WHEN instead cert-manager may use every policy in openbao, THEN the selector still keeps the ESO policy out
    const broadRole = objects.map((o) => (o.kind === 'Role' && o.metadata.namespace === 'openbao' ? { ...o, rules: [{ ...o.rules[0], resourceNames: undefined }] } : o));
    expect(reviewCertificateRequest(broadRole, request).applicable).not.toContain(esoPolicy);
    // AND with both guards gone the ESO policy would approve ESO's identity in openbao
    const bothGone = unselected.map((o) => (o.kind === 'Role' && o.metadata.namespace === 'openbao' ? { ...o, rules: [{ ...o.rules[0], resourceNames: undefined }] } : o));
    expect(reviewCertificateRequest(bothGone, request)).toMatchObject({ result: 'Approved', policy: esoPolicy });
  });

  test('a wildcard in an allowed value would admit other identities, which is why the construct refuses one', () => {
    // GIVEN the pull policy with a '*' in its URI
    const widened = objects.map((o) =>
      o.metadata.name === 'svid-openbao-openbao-replication-pull-svid' ? { ...o, spec: { ...o.spec, allowed: { ...o.spec.allowed, uris: { values: ['spiffe://omantel.example/ns/openbao/sa/*'], required: true } } } } : o,
    );
    // THEN the restore URI slips through it
    expect(reviewCertificateRequest(widened, svidRequest({ namespace: 'openbao', issuer: ISSUER, commonName: pull.commonName, uris: [restore.spiffeId] })).result).toBe('Approved');
    expect(wildcardMatches('a*c', 'abbc')).toBe(true);
    expect(wildcardMatches('a*c', 'abcd')).toBe(false);
    expect(wildcardMatches('abc', 'abc')).toBe(true);
  });
});

describe('SvidIssuancePolicy validation', () => {
  const build = (identitiesProp: unknown, props: Partial<SvidIssuancePolicyProps> = {}) => () =>
    new SvidIssuancePolicy(Testing.chart(), 'p', { identities: identitiesProp as IssuedIdentity[], ...props });

  test('fails when the list is empty', () => {
    expect(build([])).toThrow('identities: [] must list at least one identity');
  });

  test('fails when a list entry is empty', () => {
    expect(build([eso, undefined, null])).toThrow(/identities\[1\]: undefined must be an identity[\s\S]*identities\[2\]: null must be an identity/);
  });

  test('fails when the CN or the URI holds a wildcard', () => {
    expect(build([{ ...eso, commonName: '*.external-secrets-system' }])).toThrow(
      'identities[0].commonName: "*.external-secrets-system" must be 1 to 64 letters, digits, \'.\', \'_\' or \'-\' (no \'*\': approver-policy would read it as a wildcard)',
    );
    expect(build([{ ...eso, spiffeId: 'spiffe://omantel.example/ns/external-secrets-system/sa/*' }])).toThrow(
      'identities[0].spiffeId: "spiffe://omantel.example/ns/external-secrets-system/sa/*" must be a SPIFFE ID',
    );
    expect(build([{ ...eso, spiffeId: 'spiffe://*.example/ns/external-secrets-system/sa/external-secrets' }])).toThrow('must be a SPIFFE ID');
  });

  test('fails when the CN is empty or longer than 64 characters', () => {
    expect(build([{ ...eso, commonName: '' }])).toThrow('identities[0].commonName: "" must be 1 to 64');
    expect(build([{ ...eso, commonName: 'a'.repeat(65) }])).toThrow('identities[0].commonName');
  });

  test('fails when the URI is not a SPIFFE ID of the identity\'s own namespace', () => {
    expect(build([{ ...eso, spiffeId: 'spiffe://omantel.example/ns/openbao/sa/external-secrets' }])).toThrow(
      'identities[0].spiffeId: "spiffe://omantel.example/ns/openbao/sa/external-secrets" must start "spiffe://omantel.example/ns/external-secrets-system/sa/<service account>": an identity is issued only in its own namespace',
    );
    for (const spiffeId of ['https://omantel.example/ns/x', 'spiffe://omantel.example/ns/external-secrets-system/sa/a%2Fb', 'spiffe://omantel.example/ns/external-secrets-system/sa/../x', 'spiffe://Omantel.example/ns/a']) {
      expect(build([{ ...eso, spiffeId }])).toThrow('identities[0].spiffeId');
    }
  });

  test('fails when an identity is listed twice', () => {
    expect(build([eso, pull, eso])).toThrow('identities[2]: duplicates identities[0] (Certificate external-secrets-system/external-secrets-svid); list each Certificate once');
  });

  test('fails when two Certificates issue one SPIFFE ID', () => {
    expect(build([pull, { ...pull, certificateName: 'pull-again' }])).toThrow(
      'identities[1].spiffeId: "spiffe://omantel.example/ns/openbao/sa/openbao-replication-pull" is already issued by identities[0] (Certificate openbao/openbao-replication-pull-svid); one Certificate per SPIFFE ID',
    );
  });

  test('fails when two identities\' policy names collide', () => {
    const a = { ...eso, namespace: 'a-b', certificateName: 'c', spiffeId: 'spiffe://omantel.example/ns/a-b/sa/c' };
    const b = { ...eso, namespace: 'a', certificateName: 'b-c', spiffeId: 'spiffe://omantel.example/ns/a/sa/c' };
    expect(build([a, b])).toThrow('identities[1]: its policy name "svid-a-b-c" collides with that of identities[0] (Certificate a-b/c); rename one of the Certificates');
  });

  test('fails when a policy name would be longer than 253 characters', () => {
    const namespace = 'n'.repeat(63);
    expect(build([{ ...eso, namespace, certificateName: 'c'.repeat(190), spiffeId: `spiffe://omantel.example/ns/${namespace}/sa/x` }])).toThrow(
      /identities\[0\]: its policy name "svid-n{63}-c{190}" has 259 characters, more than the 253 of a Kubernetes object name; shorten the Certificate name/,
    );
  });

  test('fails on a bad namespace, Certificate name, issuer, duration or renewBefore, naming each', () => {
    expect(build([{ ...eso, namespace: 'Bad_NS', certificateName: 'Bad Name', issuer: { kind: 'Signer', name: 'x' }, duration: 'one hour', renewBefore: 'soon' }])).toThrow(
      /identities\[0\]\.namespace[\s\S]*identities\[0\]\.certificateName[\s\S]*identities\[0\]\.issuer\.kind: "Signer"[\s\S]*identities\[0\]\.duration: "one hour" must be a positive duration[\s\S]*identities\[0\]\.renewBefore: "soon"/,
    );
    expect(build([{ ...eso, duration: '0s' }])).toThrow('identities[0].duration: "0s" must be a positive duration');
    expect(build([{ ...eso, duration: '1h', renewBefore: '90m' }])).toThrow('identities[0].renewBefore: "90m" must be shorter than duration "1h"');
  });

  test('fails on a bad cert-manager service account or label', () => {
    expect(build([eso], { certManager: { namespace: 'Cert Manager', serviceAccount: '' }, labels: { 'bad key!': 'x' } })).toThrow(
      /certManager\.namespace[\s\S]*certManager\.serviceAccount[\s\S]*labels: "bad key!" is not a label key/,
    );
  });
});
