import { Construct } from 'constructs';
import { ClusterSecretStore, ClusterSecretStoreSpecProviderVaultCaProviderType, ClusterSecretStoreSpecProviderVaultVersion } from '../../imports/clustersecretstores-external-secrets.io';
import { labelsProblems, throwIfProblems } from '../common/problems';
import { CERT_ROLES } from '../openbao/acl-policy';
import type { IOpenBaoRegion } from '../openbao/openbao-region';
import type { WorkloadCredentials } from './workload-identity';

/** The two stores of every region (§7). */
export enum BaoStoreName {
  /** Reads, always from the region's own OpenBao. */
  LOCAL = 'bao-local',
  /** Writes, always to the Sovereign's primary through the ClusterMesh-global name. Only PushSecrets use it. */
  PRIMARY = 'bao-primary',
}

export interface BaoClusterSecretStoreProps {
  readonly name: BaoStoreName;
  /** The region's OpenBao; `bao-local` talks to its `openbao` Service, `bao-primary` to `openbao-primary`. */
  readonly openbao: IOpenBaoRegion;
  /** ESO's client certificate (its SVID). */
  readonly credentials: WorkloadCredentials;
  readonly labels?: Record<string, string>;
}

/**
 * An ESO `ClusterSecretStore` (v1) for OpenBao through ESO's `vault` provider (ESO's own OpenBao provider is alpha
 * and cannot push): kv v2 at `secret`, the OpenBao CA from its Secret, cert auth with the SVID Secret and the
 * OpenBao cert role that matches the store's purpose.
 */
export class BaoClusterSecretStore extends Construct {
  public readonly name: BaoStoreName;
  public readonly server: string;
  /** The OpenBao cert auth role (and so the policy) the store logs in with. */
  public readonly vaultRole: string;

  constructor(scope: Construct, id: string, props: BaoClusterSecretStoreProps) {
    super(scope, id);
    throwIfProblems(`BaoClusterSecretStore ${String(props.name)}`, [
      ...(Object.values(BaoStoreName).includes(props.name) ? [] : [`name: ${JSON.stringify(props.name)} must be BaoStoreName.LOCAL or BaoStoreName.PRIMARY`]),
      ...labelsProblems('labels', props.labels),
    ]);
    this.name = props.name;
    this.server = props.name === BaoStoreName.LOCAL ? props.openbao.localUrl : props.openbao.primaryUrl;
    this.vaultRole = props.name === BaoStoreName.LOCAL ? CERT_ROLES.esoRead : CERT_ROLES.esoPush;
    const { credentials } = props;
    new ClusterSecretStore(this, 'Resource', {
      metadata: { name: props.name, labels: props.labels },
      spec: {
        provider: {
          vault: {
            server: this.server,
            path: 'secret',
            version: ClusterSecretStoreSpecProviderVaultVersion.V2,
            caProvider: { type: ClusterSecretStoreSpecProviderVaultCaProviderType.SECRET, name: props.openbao.caSecretName, namespace: props.openbao.namespace, key: 'ca.crt' },
            auth: {
              cert: {
                path: 'cert',
                vaultRole: this.vaultRole,
                clientCert: { name: credentials.secretName, namespace: credentials.namespace, key: credentials.certificateKey },
                secretRef: { name: credentials.secretName, namespace: credentials.namespace, key: credentials.privateKeyKey },
              },
            },
          },
        },
      },
    });
  }
}
