import { Construct } from 'constructs';
import { ExternalSecret, ExternalSecretSpecSecretStoreRefKind, ExternalSecretSpecTargetCreationPolicy } from '../../imports/externalsecrets-external-secrets.io';
import { dataKeyProblem, durationProblem, labelNameProblem, labelsProblems, objectNameProblem, throwIfProblems } from '../common/problems';
import { RegionContext } from '../common/region-context';
import { SecretAccess, type SecretTenant, tenantKeyProblem, tenantStoreName, tenantUseProblems } from './tenancy';

export interface LocalExternalSecretEntry {
  /** Key in the Kubernetes Secret ESO writes. */
  readonly secretKey: string;
  /** Path under the kv-v2 mount, inside the tenant's prefix, e.g. `sovereign/omantel/acme/app-creds`. */
  readonly remoteKey: string;
  /** Property of the remote secret. @default - the whole remote secret */
  readonly property?: string;
}

export interface LocalExternalSecretProps {
  /** The tenant whose `bao-local-<tenant>` store reads; `namespace` must be one of its namespaces and every key under its prefix. */
  readonly tenant: SecretTenant;
  readonly name: string;
  readonly namespace: string;
  /** Name of the Secret ESO creates and owns. @default - the ExternalSecret's name */
  readonly targetName?: string;
  /** Secret type of the target, e.g. `kubernetes.io/tls`. @default 'Opaque' */
  readonly targetType?: string;
  readonly data: readonly LocalExternalSecretEntry[];
  /** How often ESO re-reads. @default '1h' */
  readonly refreshInterval?: string;
  readonly labels?: Record<string, string>;
}

/**
 * Reads from the region's own OpenBao (the tenant's `bao-local-<tenant>` store) into a Secret that ESO owns (`creationPolicy: Owner`), so reads
 * never cross regions and keep working when the primary is unreachable.
 */
export class LocalExternalSecret extends Construct {
  public readonly targetName: string;

  constructor(scope: Construct, id: string, props: LocalExternalSecretProps) {
    super(scope, id);
    const problems = [
      objectNameProblem('name', props.name),
      labelNameProblem('namespace', props.namespace),
      props.targetName === undefined ? undefined : objectNameProblem('targetName', props.targetName),
      durationProblem('refreshInterval', props.refreshInterval),
      ...labelsProblems('labels', props.labels),
      ...props.data.flatMap((entry, index) => [
        dataKeyProblem(`data[${index}].secretKey`, entry.secretKey),
        tenantKeyProblem(props.tenant, entry.remoteKey, `data[${index}].remoteKey`),
      ]),
      ...tenantUseProblems(props.tenant, SecretAccess.READ, props.namespace, RegionContext.of(this).region),
    ].filter((p): p is string => p !== undefined);
    if (props.data.length === 0) problems.push('data: must list at least one key');
    throwIfProblems(`LocalExternalSecret ${props.namespace}/${props.name}`, problems);
    this.targetName = props.targetName ?? props.name;
    new ExternalSecret(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: {
        refreshInterval: props.refreshInterval ?? '1h',
        secretStoreRef: { name: tenantStoreName(props.tenant, SecretAccess.READ), kind: ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE },
        target: {
          name: this.targetName,
          creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
          ...(props.targetType !== undefined ? { template: { type: props.targetType } } : {}),
        },
        data: props.data.map((entry) => ({
          secretKey: entry.secretKey,
          remoteRef: { key: entry.remoteKey, ...(entry.property !== undefined ? { property: entry.property } : {}) },
        })),
      },
    });
  }
}
