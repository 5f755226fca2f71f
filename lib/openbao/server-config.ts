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

export interface ServerConfig {
  readonly ui: boolean;
  readonly storage: { readonly raft: { readonly path: string; readonly performance_multiplier: number; readonly retry_join: readonly RetryJoin[] } };
  readonly listener: readonly { readonly tcp: Readonly<Record<string, unknown>> }[];
  readonly seal: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly service_registration: { readonly kubernetes: Readonly<Record<string, never>> };
  readonly telemetry: Readonly<Record<string, unknown>>;
  readonly initialize: readonly InitBlock[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Serializes the model to the JSON OpenBao reads (`initialize` and `request` blocks become named objects). */
export function renderServerConfig(config: ServerConfig): string {
  const names = new Set<string>();
  const unique = (name: string) => {
    if (!NAME.test(name) || names.has(name)) {
      throw new Error(`initialize/request name "${name}" must match ${NAME} and be unique`);
    }
    names.add(name);
    return name;
  };
  const initialize = config.initialize.map((block) => ({
    [unique(block.name)]: {
      request: block.requests.map((r) => ({
        [unique(r.name)]: { operation: r.operation, path: r.path, ...(r.data !== undefined ? { data: r.data } : {}) },
      })),
    },
  }));
  return `${JSON.stringify({ ...config, initialize }, null, 2)}\n`;
}
