import type { Manifest, Violation } from './violation';

// Env var names that hold credentials; a literal value for one of them is secret data in the manifest.
const CREDENTIAL_NAME = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL)/i;
const PRIVATE_KEY_PEM = /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/;

/**
 * Finds secret values in a rendered object: Secrets with data, literal credential env values, and private
 * keys anywhere. Secrets must be referenced by name and key, never rendered.
 */
export function checkSecretData(object: Manifest, describe: string): Violation[] {
  const violations: Violation[] = [];
  const fail = (path: string, message: string) => violations.push({ object: describe, path, message, rule: 'secret-data' });
  if (object.kind === 'Secret') {
    for (const field of ['data', 'stringData']) {
      const value = object[field];
      if (value !== undefined && value !== null && Object.keys(value as object).length > 0) {
        fail(field, `Secret carries ${field}; reference an existing Secret (or an ExternalSecret) instead of rendering values`);
      }
    }
  }
  walk(object, '', (path, key, value) => {
    if (typeof value !== 'string') return;
    if (PRIVATE_KEY_PEM.test(value)) {
      fail(path, 'contains a PEM private key');
    } else if (key === 'value' && /(^|\.)env\[\d+\]$/.test(path.replace(/\.value$/, ''))) {
      const name = (getParent(object, path) as { name?: unknown } | undefined)?.name;
      if (typeof name === 'string' && CREDENTIAL_NAME.test(name) && value !== '') {
        fail(path, `env ${name} has a literal value; use valueFrom.secretKeyRef`);
      }
    }
  });
  return violations;
}

function walk(value: unknown, path: string, visit: (path: string, key: string, value: unknown) => void, key = ''): void {
  visit(path, key, value);
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, `${path}[${index}]`, visit, String(index)));
  } else if (typeof value === 'object' && value !== null) {
    for (const [childKey, child] of Object.entries(value)) {
      walk(child, path === '' ? childKey : `${path}.${childKey}`, visit, childKey);
    }
  }
}

function getParent(root: unknown, path: string): unknown {
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.').slice(0, -1);
  return parts.reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], root);
}
