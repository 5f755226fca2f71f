/** One problem found in a rendered manifest. */
export interface Violation {
  /** File the object came from, when validating a folder. */
  readonly file?: string;
  /** `Kind/name` (with `namespace/` when namespaced) of the offending object. */
  readonly object: string;
  /** Field path inside the object, e.g. `spec.template.spec.containers[0].securityContext`. */
  readonly path: string;
  readonly message: string;
  /** Which check found it. */
  readonly rule: 'schema' | 'cel' | 'pod-security' | 'secret-data' | 'duplicate' | 'openbao' | 'tenancy' | 'global-service' | 'backup';
}

export function formatViolation(v: Violation): string {
  return `${v.file ? `${v.file}: ` : ''}${v.object}: ${v.path || '<root>'}: ${v.message} [${v.rule}]`;
}

/** Loosely typed manifest as read from YAML: validation must not trust its shape. */
export interface Manifest {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

export function describeObject(object: Manifest): string {
  const kind = typeof object.kind === 'string' ? object.kind : '<no kind>';
  const name = typeof object.metadata?.name === 'string' ? object.metadata.name : '<no name>';
  const namespace = typeof object.metadata?.namespace === 'string' ? `${object.metadata.namespace}/` : '';
  return `${kind}/${namespace}${name}`;
}

/** `/spec/containers/0/image` -> `spec.containers[0].image` */
export function jsonPointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out === '' ? part : `${out}.${part}`), '');
}
