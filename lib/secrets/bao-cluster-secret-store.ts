import { Construct } from 'constructs';
import { ClusterSecretStore, ClusterSecretStoreSpecProviderVaultCaProviderType, ClusterSecretStoreSpecProviderVaultVersion } from '../../imports/clustersecretstores-external-secrets.io';
import { labelsProblems, throwIfProblems } from '../common/problems';
import { RegionContext } from '../common/region-context';
import { KEY_PREFIX_ANNOTATION } from '../validate/tenancy-access';
import type { IOpenBaoRegion } from '../openbao/openbao-region';
import { spiffeId } from './spiffe';
import { SecretAccess, type SecretTenant, tenantProblems, tenantRoleName, tenantStoreName, tenantWorkload } from './tenancy';
import type { WorkloadCredentials } from './workload-identity';

export interface BaoClusterSecretStoreProps {
  /** The tenant whose namespaces may use the store; the store is named after it. */
  readonly tenant: SecretTenant;
  /** Reads (`bao-local-<tenant>`, the region's own OpenBao) or pushes (`bao-primary-<tenant>`, the primary). */
  readonly access: SecretAccess;
  /** The region's OpenBao; reads talk to its `openbao` Service, pushes to `openbao-primary`. */
  readonly openbao: IOpenBaoRegion;
  /** ESO's client certificate for this tenant and access (its SVID). */
  readonly credentials: WorkloadCredentials;
  readonly labels?: Record<string, string>;
}

/** Annotation on every tenant store naming the key prefix its role is scoped to, for the validator and for humans. */
export { KEY_PREFIX_ANNOTATION };

/**
 * One tenant's ESO `ClusterSecretStore` (v1) for OpenBao through ESO's `vault` provider (ESO's own OpenBao provider
 * is alpha and cannot push): kv v2 at `secret`, the OpenBao CA from its Secret, cert auth with the tenant's SVID and
 * the OpenBao cert role scoped to the tenant's key prefix. `spec.conditions` admits only the tenant's namespaces:
 * without conditions a ClusterSecretStore serves every namespace (external-secrets
 * pkg/controllers/secretstore/client_manager.go `shouldProcessSecret`, v2.9.0, used by ExternalSecrets and
 * PushSecrets alike).
 */
export class BaoClusterSecretStore extends Construct {
  public readonly name: string;
  public readonly server: string;
  /** The OpenBao cert auth role (and so the policy) the store logs in with. */
  public readonly vaultRole: string;

  constructor(scope: Construct, id: string, props: BaoClusterSecretStoreProps) {
    super(scope, id);
    const { tenant, access, credentials } = props;
    const context = RegionContext.of(this);
    const regions = access === SecretAccess.READ ? tenant.readRegions : tenant.pushRegions;
    const expectedId = spiffeId(context.trustDomain, tenantWorkload(tenant, access, context.region));
    throwIfProblems(`BaoClusterSecretStore for tenant ${String(tenant?.name)}`, [
      ...(regions.includes(context.region) ? [] : [`tenant: ${tenant.name} has no ${access} store in region ${context.region} (its ${access} regions: ${regions.join(', ') || 'none'}); its OpenBao role would refuse this store's login`]),
      ...(credentials.spiffeId === expectedId ? [] : [`credentials: the SVID is ${credentials.spiffeId}, but the tenant's ${access} role in ${context.region} admits only ${expectedId}`]),
      ...(Object.values(SecretAccess).includes(access) ? [] : [`access: ${JSON.stringify(access)} must be SecretAccess.READ or SecretAccess.PUSH`]),
      ...tenantProblems(tenant, context.sovereign).map((p) => `tenant.${p}`),
      ...labelsProblems('labels', props.labels),
    ]);
    this.name = tenantStoreName(tenant, access);
    this.server = access === SecretAccess.READ ? props.openbao.localUrl : props.openbao.primaryUrl;
    this.vaultRole = tenantRoleName(tenant, access);
    new ClusterSecretStore(this, 'Resource', {
      metadata: { name: this.name, labels: props.labels, annotations: { [KEY_PREFIX_ANNOTATION]: tenant.keyPrefix } },
      spec: {
        conditions: [{ namespaces: [...tenant.namespaces] }],
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
