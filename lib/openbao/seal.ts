import type { k8s } from 'cdk8s-plus-28';
import { CONFIG_MAP_KEY, DNS1123_SUBDOMAIN } from '../common/kube-values';

/** What a seal adds to the server: its config stanza and the pod volumes it reads. */
export interface SealBinding {
  /** `seal "<type>" { ... }` as `{ <type>: { ... } }`. */
  readonly stanza: Record<string, Record<string, unknown>>;
  readonly volumes: readonly k8s.Volume[];
  readonly volumeMounts: readonly k8s.VolumeMount[];
  /** Identity of the key material; regions that exchange Raft snapshots must share it. */
  readonly fingerprint: string;
}

export interface StaticSealProps {
  /** Permanent id of the key (`current_key_id`); change it whenever the key changes. */
  readonly keyId: string;
  /** Secret, provided out of band, that holds the 32-byte key. */
  readonly secretName: string;
  /** Key of the Secret holding the key. @default 'key' */
  readonly secretKey?: string;
}

const SEAL_DIR = '/openbao/seal';

/**
 * How OpenBao auto-unseals. Auto-unseal is required by declarative self-initialisation. Extend this class for
 * other seals (transit, pkcs11, a KMS plugin): implement `bind()`.
 */
export abstract class OpenBaoSeal {
  /**
   * The `static` seal built into OpenBao since 2.4: the key is read with `file://` from a mounted Secret the
   * operator provides, so it never appears in the manifests.
   */
  public static staticKey(props: StaticSealProps): OpenBaoSeal {
    return new StaticSeal(props);
  }

  public abstract bind(): SealBinding;
}

class StaticSeal extends OpenBaoSeal {
  constructor(private readonly props: StaticSealProps) {
    super();
    if (!/^[A-Za-z0-9._-]+$/.test(props.keyId)) {
      throw new Error(`static seal keyId "${props.keyId}" must be non-empty and hold only letters, digits, '.', '_' and '-'`);
    }
    if (!DNS1123_SUBDOMAIN.test(props.secretName)) {
      throw new Error(`static seal secretName "${props.secretName}" must be the name of a Secret (DNS-1123 subdomain)`);
    }
    if (props.secretKey !== undefined && !CONFIG_MAP_KEY.test(props.secretKey)) {
      throw new Error(`static seal secretKey "${props.secretKey}" must be a Secret data key (letters, digits, '-', '_', '.')`);
    }
  }

  public bind(): SealBinding {
    const secretKey = this.props.secretKey ?? 'key';
    return {
      stanza: { static: { current_key_id: this.props.keyId, current_key: `file://${SEAL_DIR}/current.key` } },
      volumes: [{ name: 'seal', secret: { secretName: this.props.secretName, defaultMode: 0o400, items: [{ key: secretKey, path: 'current.key' }] } }],
      volumeMounts: [{ name: 'seal', mountPath: SEAL_DIR, readOnly: true }],
      fingerprint: `static:${this.props.keyId}:${this.props.secretName}:${secretKey}`,
    };
  }
}
