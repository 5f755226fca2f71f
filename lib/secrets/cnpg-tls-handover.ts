import { Construct } from 'constructs';
import type { CnpgTlsHandover } from '../cnpg/cnpg-hot-standby-pair';
import { LocalExternalSecret } from './local-external-secret';
import { PrimaryPushSecret } from './primary-push-secret';
import type { SecretTenant } from './tenancy';

export interface CnpgTlsHandoverSecretsProps {
  /** What a CnpgHotStandbyPair needs carried across regions. */
  readonly handover: CnpgTlsHandover;
  /** The system tenant of the pair's namespace (`cnpg.<namespace>`, see `handoverTenants`). */
  readonly tenant: SecretTenant;
}

/**
 * Carries a CNPG Cluster's replication TLS material to the other region through OpenBao: PrimaryPushSecrets in the
 * Cluster's region write `tls.crt`/`tls.key` of `<cluster>-replication` and **only `ca.crt`** of `<cluster>-ca`
 * (the CA's private key never leaves its region); ExternalSecrets from `bao-local-cnpg.<namespace>` recreate both
 * Secrets in the other region once replication has brought the values there. Only the pair's namespace can use
 * those stores, and only in the regions where one of its Clusters needs the material.
 */
export class CnpgTlsHandoverSecrets extends Construct {
  public readonly replicationRemoteKey: string;
  public readonly caRemoteKey: string;

  constructor(scope: Construct, id: string, props: CnpgTlsHandoverSecretsProps) {
    super(scope, id);
    const { handover, tenant } = props;
    this.replicationRemoteKey = `${handover.remoteKeyPrefix}/replication`;
    this.caRemoteKey = `${handover.remoteKeyPrefix}/ca`;
    const source = new Construct(handover.from, `tls-handover-out-${handover.namespace}-${handover.clusterName}`);
    const target = new Construct(handover.to, `tls-handover-in-${handover.namespace}-${handover.clusterName}`);
    const labels = { 'sovereign.openova.io/pair-cluster': handover.clusterName };

    new PrimaryPushSecret(source, 'Replication', {
      tenant,
      name: `${handover.replicationSecret}-handover`,
      namespace: handover.namespace,
      secretName: handover.replicationSecret,
      data: ['tls.crt', 'tls.key'].map((key) => ({ secretKey: key, remoteKey: this.replicationRemoteKey, property: key })),
      labels,
    });
    new PrimaryPushSecret(source, 'Ca', {
      tenant,
      name: `${handover.caSecret}-handover`,
      namespace: handover.namespace,
      secretName: handover.caSecret,
      data: [{ secretKey: 'ca.crt', remoteKey: this.caRemoteKey, property: 'ca.crt' }],
      labels,
    });

    new LocalExternalSecret(target, 'Replication', {
      tenant,
      name: handover.replicationSecret,
      namespace: handover.namespace,
      targetType: 'kubernetes.io/tls',
      data: ['tls.crt', 'tls.key'].map((key) => ({ secretKey: key, remoteKey: this.replicationRemoteKey, property: key })),
      labels,
    });
    new LocalExternalSecret(target, 'Ca', {
      tenant,
      name: handover.caSecret,
      namespace: handover.namespace,
      data: [{ secretKey: 'ca.crt', remoteKey: this.caRemoteKey, property: 'ca.crt' }],
      labels,
    });
  }
}
