import { Construct } from 'constructs';
import { DNS1123_SUBDOMAIN, GO_DURATION } from '../common/kube-values';
import { labelNameProblem, labelsProblems, objectNameProblem, throwIfProblems } from '../common/problems';
import { type IssuerRef, issuerRefProblems, RegionContext } from '../common/region-context';
import { Certificate, CertificateSpecPrivateKeyAlgorithm, CertificateSpecPrivateKeyRotationPolicy, CertificateSpecUsages } from '../../imports/certificates-cert-manager.io';
import { pathIdentityCommonName, spiffeId, type WorkloadRef } from './spiffe';

/** Where a workload's credentials live once its identity is bound: a `kubernetes.io/tls` Secret. */
export interface WorkloadCredentials {
  readonly spiffeId: string;
  /** The certificate's subject CN (OpenBao names the identity alias after it). */
  readonly commonName: string;
  /** Certificate lifetime. */
  readonly duration: string;
  /** The issuer that signs it. */
  readonly issuer: IssuerRef;
  readonly namespace: string;
  readonly secretName: string;
  readonly certificateKey: 'tls.crt';
  readonly privateKeyKey: 'tls.key';
}

export interface WorkloadIdentityBindOptions {
  readonly workload: WorkloadRef;
  readonly trustDomain: string;
  /** Issuer of SVIDs that chains to the Sovereign's SPIFFE trust root. */
  readonly issuer: IssuerRef;
  readonly labels?: Record<string, string>;
  /** Name of the Certificate and its Secret. @default `<serviceAccount>-svid` */
  readonly secretName?: string;
}

export interface SpiffeCertificateProps {
  /** Certificate lifetime. @default '1h' */
  readonly duration?: string;
  /** Renew this long before expiry. @default '20m' */
  readonly renewBefore?: string;
}

/**
 * How a workload proves who it is to OpenBao. ESO can read credentials only from Kubernetes Secrets, so the
 * default is a short-lived X.509 SVID issued by cert-manager into a Secret.
 */
export abstract class WorkloadIdentity {
  /**
   * A cert-manager Certificate whose only SAN is the URI `spiffe://<trustDomain>/ns/<ns>/sa/<sa>`: 1h lifetime,
   * renewed 20m before expiry, a new private key on every renewal, client-auth usage.
   */
  public static spiffeCertificate(props: SpiffeCertificateProps = {}): WorkloadIdentity {
    return new SpiffeCertificateIdentity(props);
  }

  public abstract bind(scope: Construct, id: string, options: WorkloadIdentityBindOptions): WorkloadCredentials;
}

class SpiffeCertificateIdentity extends WorkloadIdentity {
  constructor(private readonly props: SpiffeCertificateProps) {
    super();
    for (const [field, value] of [['duration', props.duration], ['renewBefore', props.renewBefore]] as const) {
      if (value !== undefined && !GO_DURATION.test(value)) throw new Error(`spiffeCertificate ${field} "${value}" must be a duration such as "1h" or "20m"`);
    }
  }

  public bind(scope: Construct, id: string, options: WorkloadIdentityBindOptions): WorkloadCredentials {
    const { workload } = options;
    throwIfProblems(`workload identity ${workload.namespace}/${workload.serviceAccount}`, [
      ...[labelNameProblem('workload.namespace', workload.namespace), objectNameProblem('workload.serviceAccount', workload.serviceAccount)].filter((p): p is string => p !== undefined),
      ...(DNS1123_SUBDOMAIN.test(options.trustDomain) ? [] : [`trustDomain: ${JSON.stringify(options.trustDomain)} must be a SPIFFE trust domain such as "omantel.example"`]),
      ...issuerRefProblems('issuer', options.issuer),
      ...labelsProblems('labels', options.labels),
    ]);
    for (const segment of workload.path ?? []) {
      if (!/^[A-Za-z0-9._-]+$/.test(segment)) throw new Error(`workload identity ${workload.namespace}/${workload.serviceAccount}: SPIFFE path segment ${JSON.stringify(segment)} may hold only letters, digits, '.', '_' and '-'`);
    }
    const uri = spiffeId(options.trustDomain, workload);
    // OpenBao's cert auth names the identity alias after the subject CN and refuses a login whose alias name is empty
    // (builtin/credential/cert/path_login.go, vault/request_handling.go "missing name in alias", v2.6.2). The SPIFFE
    // ID is longer than X.509's 64-character CN limit, so it stays in the URI SAN.
    const pathIdentity = (workload.path?.length ?? 0) > 0;
    const commonName = pathIdentity ? pathIdentityCommonName(workload) : `${workload.serviceAccount}.${workload.namespace}`;
    if (commonName.length > 64) {
      throw new Error(`workload identity ${workload.namespace}/${workload.serviceAccount}: its certificate CN "${commonName}" would exceed X.509's 64 characters; shorten the service account or namespace name`);
    }
    const secretName = options.secretName ?? `${workload.serviceAccount}-svid`;
    if (objectNameProblem('secretName', secretName) !== undefined) throw new Error(`workload identity ${uri}: ${objectNameProblem('secretName', secretName)}`);
    new Certificate(scope, id, {
      metadata: { name: secretName, namespace: workload.namespace, labels: options.labels },
      spec: {
        secretName,
        secretTemplate: options.labels === undefined ? undefined : { labels: options.labels },
        commonName,
        uris: [uri],
        duration: this.props.duration ?? '1h',
        renewBefore: this.props.renewBefore ?? '20m',
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
        usages: [CertificateSpecUsages.CLIENT_AUTH, CertificateSpecUsages.DIGITAL_SIGNATURE, CertificateSpecUsages.KEY_ENCIPHERMENT],
        issuerRef: { group: 'cert-manager.io', kind: options.issuer.kind, name: options.issuer.name },
      },
    });
    RegionContext.tryOf(scope)?.recordIssuedIdentity({
      namespace: workload.namespace,
      certificateName: secretName,
      commonName,
      spiffeId: uri,
      issuer: options.issuer,
      duration: this.props.duration ?? '1h',
      renewBefore: this.props.renewBefore ?? '20m',
    });
    return { spiffeId: uri, commonName, namespace: workload.namespace, secretName, certificateKey: 'tls.crt', privateKeyKey: 'tls.key', duration: this.props.duration ?? '1h', issuer: options.issuer };
  }
}
