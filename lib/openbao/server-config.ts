/**
 * OpenBao's server configuration as typed data, serialized to JSON (which OpenBao reads like HCL). User input
 * only ever lands in values, never in config syntax.
 */

/** A value OpenBao evaluates during self-initialisation instead of a literal (profiles' `file` source). */
export interface FileSource {
  readonly eval_source: 'file';
  readonly eval_type: 'string';
  readonly path: string;
}

export interface InitRequest {
  readonly name: string;
  readonly operation: 'create' | 'read' | 'update' | 'delete' | 'list';
  readonly path: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** One `initialize "<name>"` block: its requests run in order, blocks run in the order given. */
export interface InitBlock {
  readonly name: string;
  readonly requests: readonly InitRequest[];
}

export interface RetryJoin {
  readonly auto_join: string;
  readonly auto_join_scheme: 'https';
  readonly auto_join_port: number;
  readonly leader_tls_servername: string;
  readonly leader_ca_cert_file: string;
}

/**
 * A declarative audit device (`audit "<type>" "<path>" { ... }`), created by the active node at unseal and on SIGHUP.
 * Audit devices are never enabled through `sys/audit`: since 2.3.2 OpenBao refuses that unless
 * `unsafe_allow_api_audit_creation` is set, and self-init requests obey the same rule
 * (openbao/openbao v2.6.2 vault/logical_system.go handleEnableAudit; command/server/config.go parseAuditDevices).
 */
export interface AuditDevice {
  readonly type: 'file';
  /** Mount path of the device, e.g. `file` (becomes `file/`). */
  readonly path: string;
  readonly description: string;
  readonly options: Readonly<Record<string, string>>;
}

/** The server configuration every pod of a region loads. Self-initialisation lives apart, see `renderInitializeConfig`. */
export interface ServerConfig {
  readonly ui: boolean;
  readonly storage: { readonly raft: { readonly path: string; readonly performance_multiplier: number; readonly retry_join: readonly RetryJoin[] } };
  readonly listener: readonly { readonly tcp: Readonly<Record<string, unknown>> }[];
  readonly seal: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly service_registration: { readonly kubernetes: Readonly<Record<string, never>> };
  readonly telemetry: Readonly<Record<string, unknown>>;
  readonly audit: readonly AuditDevice[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Serializes the server config to the JSON OpenBao reads. Audit devices take the documented two-label form
 * (`{"audit": [{"<type>": {"<path>": {...}}}]}`, website/content/docs/configuration/audit.mdx at v2.6.2); their
 * `description` keeps HCL's JSON reader from taking the options object for a third label.
 */
export function renderServerConfig(config: ServerConfig): string {
  const audit = config.audit.map((device) => ({ [device.type]: { [device.path]: { description: device.description, options: device.options } } }));
  return `${JSON.stringify({ ...config, audit }, null, 2)}\n`;
}

/** Serializes self-initialisation (`initialize` and `request` blocks become named objects) into its own config file. */
export function renderInitializeConfig(blocks: readonly InitBlock[]): string {
  const names = new Set<string>();
  const unique = (name: string) => {
    if (!NAME.test(name) || names.has(name)) {
      throw new Error(`initialize/request name "${name}" must match ${NAME} and be unique`);
    }
    names.add(name);
    return name;
  };
  const initialize = blocks.map((block) => ({
    [unique(block.name)]: {
      request: block.requests.map((r) => ({
        [unique(r.name)]: { operation: r.operation, path: r.path, ...(r.data !== undefined ? { data: r.data } : {}) },
      })),
    },
  }));
  return `${JSON.stringify({ initialize }, null, 2)}\n`;
}
