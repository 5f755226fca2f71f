import { Construct } from 'constructs';
import { dataKeyProblem, durationProblem, labelNameProblem, labelsProblems, objectNameProblem, throwIfProblems } from '../common/problems';
import { PushSecret, PushSecretSpecDeletionPolicy, PushSecretSpecSecretStoreRefsKind, PushSecretSpecUpdatePolicy } from '../../imports/pushsecrets-external-secrets.io';
import { RegionContext } from '../common/region-context';
import { SecretAccess, type SecretTenant, tenantKeyProblem, tenantStoreName, tenantUseProblems } from './tenancy';
import { remoteKeyProblem } from './remote-key';

/** What happens to the remote secret when the PushSecret goes away. */
export enum PushDeletionPolicy {
  /** Keep it (default). */
  NONE = 'None',
  /** Delete it. Beware: retargeting a PushSecret with Delete deletes the remote secret in the old store (ESO #5062). */
  DELETE = 'Delete',
}

export interface PushSecretEntry {
  /** Key in the local Secret. */
  readonly secretKey: string;
  /** Path under the kv-v2 mount; must be inside the tenant's prefix `sovereign/<sovereign>/<tenant prefix>/`. */
  readonly remoteKey: string;
  /** Property of the remote secret to write the value to. @default - the whole remote secret is the value */
  readonly property?: string;
}

export interface PrimaryPushSecretProps {
  /** The tenant whose `bao-primary-<tenant>` store writes; `namespace` must be one of its namespaces and every key under its prefix. */
  readonly tenant: SecretTenant;
  readonly name: string;
  readonly namespace: string;
  /** The local Kubernetes Secret whose keys are pushed. */
  readonly secretName: string;
  readonly data: readonly PushSecretEntry[];
  /** How often ESO re-pushes. @default '1h' */
  readonly refreshInterval?: string;
  /** @default PushDeletionPolicy.NONE */
  readonly deletionPolicy?: PushDeletionPolicy;
  readonly labels?: Record<string, string>;
}

/**
 * A PushSecret that can only write to the Sovereign's OpenBao primary: its single store is its tenant's
 * `bao-primary-<tenant>` and the API offers no way to name another, so a replica can never become a write target
 * (§2, §7), and a tenant can write only under its own prefix.
 */
export class PrimaryPushSecret extends Construct {
  /** The one store a tenant's PrimaryPushSecrets target. */
  public static storeOf(tenant: Pick<SecretTenant, 'name'>): { readonly name: string; readonly kind: 'ClusterSecretStore' } {
    return { name: tenantStoreName(tenant, SecretAccess.PUSH), kind: 'ClusterSecretStore' };
  }

  public readonly name: string;
  public readonly namespace: string;
  public readonly remoteKeys: readonly string[];

  constructor(scope: Construct, id: string, props: PrimaryPushSecretProps) {
    super(scope, id);
    const context = RegionContext.of(this);
    const problems = [
      ...tenantUseProblems(props.tenant, SecretAccess.PUSH, props.namespace, context.region),
      props.data.length === 0 ? 'data: list at least one key to push' : undefined,
      objectNameProblem('name', props.name),
      labelNameProblem('namespace', props.namespace),
      objectNameProblem('secretName', props.secretName),
      durationProblem('refreshInterval', props.refreshInterval),
      ...labelsProblems('labels', props.labels),
    ].filter((p): p is string => p !== undefined);
    for (const [index, entry] of props.data.entries()) {
      const keyProblem = dataKeyProblem(`data[${index}].secretKey`, entry.secretKey);
      if (keyProblem !== undefined) problems.push(keyProblem);
      const problem = remoteKeyProblem(context.sovereign, entry.remoteKey) ?? tenantKeyProblem(props.tenant, entry.remoteKey);
      if (problem !== undefined) problems.push(`data[${index}].remoteKey: ${problem}`);
      if (entry.property !== undefined && entry.property === '') problems.push(`data[${index}].property: must not be empty; omit it to push the whole value`);
    }
    if (props.deletionPolicy !== undefined && !Object.values(PushDeletionPolicy).includes(props.deletionPolicy)) {
      problems.push(`deletionPolicy: ${JSON.stringify(props.deletionPolicy)} must be PushDeletionPolicy.NONE or PushDeletionPolicy.DELETE`);
    }
    throwIfProblems(`PrimaryPushSecret ${props.namespace}/${props.name}`, problems);
    this.name = props.name;
    this.namespace = props.namespace;
    this.remoteKeys = props.data.map((d) => d.remoteKey);
    new PushSecret(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: {
        refreshInterval: props.refreshInterval ?? '1h',
        secretStoreRefs: [{ name: PrimaryPushSecret.storeOf(props.tenant).name, kind: PushSecretSpecSecretStoreRefsKind.CLUSTER_SECRET_STORE }],
        deletionPolicy: (props.deletionPolicy ?? PushDeletionPolicy.NONE) === PushDeletionPolicy.DELETE ? PushSecretSpecDeletionPolicy.DELETE : PushSecretSpecDeletionPolicy.NONE,
        updatePolicy: PushSecretSpecUpdatePolicy.REPLACE,
        selector: { secret: { name: props.secretName } },
        data: props.data.map((entry) => ({
          match: { secretKey: entry.secretKey, remoteRef: { remoteKey: entry.remoteKey, ...(entry.property !== undefined ? { property: entry.property } : {}) } },
        })),
      },
    });
  }
}
