import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KUSTOMIZATION_FILE } from '../output/region-files';
import { checkCelRules } from './cel-rules';
import { checkPodSecurity } from './pod-security';
import { SchemaRegistry } from './schema-registry';
import { checkSecretData } from './secret-data';
import { describeObject, jsonPointerToPath, type Manifest, type Violation } from './violation';

/**
 * Checks rendered manifests the way a production cluster would judge them: strict schema (core kinds and
 * vendored CRDs, with their CEL rules), Pod Security `restricted` for every pod template, and no secret data.
 */
export class ManifestValidator {
  /** A validator over `schemas`: by default the ones that ship with the package. */
  constructor(private readonly schemas: SchemaRegistry = SchemaRegistry.shipped()) {}

  /** Every violation in a list of objects; `file` is recorded on each violation when given. */
  public validateObjects(objects: readonly unknown[], file?: string): Violation[] {
    return objects.flatMap((object) => this.validateObject(object).map((v) => (file === undefined ? v : { ...v, file })));
  }

  /** Every violation in the `*.yaml` files under `dir` (recursively), except kustomization files. */
  public validateDirectory(dir: string): { files: number; objects: number; violations: Violation[] } {
    const root = resolve(dir);
    if (!existsSync(root)) {
      throw new Error(`no such folder: ${dir}`);
    }
    const files = readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && e.name !== KUSTOMIZATION_FILE)
      .map((e) => join(e.parentPath, e.name))
      .sort();
    const violations: Violation[] = [];
    let objects = 0;
    for (const file of files) {
      const name = relative(process.cwd(), file);
      for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
        if (document.errors.length > 0) {
          violations.push({ file: name, object: '<unparsable>', path: '', rule: 'schema', message: document.errors[0].message.split('\n')[0] });
          continue;
        }
        const object = document.toJS();
        if (object === null) continue;
        objects++;
        violations.push(...this.validateObjects([object], name));
      }
    }
    return { files: files.length, objects, violations };
  }

  private validateObject(value: unknown): Violation[] {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return [{ object: '<not an object>', path: '', rule: 'schema', message: 'a manifest must be a YAML/JSON object' }];
    }
    const object = value as Manifest;
    const describe = describeObject(object);
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
      return [{ object: describe, path: '', rule: 'schema', message: 'apiVersion and kind are required' }];
    }
    const schema = this.schemas.schemaFor(object.apiVersion, object.kind);
    const violations: Violation[] = [];
    if (typeof schema === 'string') {
      violations.push({ object: describe, path: 'apiVersion', rule: 'schema', message: schema });
    } else {
      if (!schema.validate(object)) {
        violations.push(...(schema.validate.errors ?? []).map((error) => schemaViolation(describe, error)));
      }
      if (schema.crdSchema !== undefined) {
        violations.push(...checkCelRules(schema.crdSchema, object, describe));
      }
    }
    violations.push(...checkPodSecurity(object, describe), ...checkSecretData(object, describe));
    return dedupe(violations);
  }
}

function schemaViolation(object: string, error: { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }): Violation {
  const path = jsonPointerToPath(error.instancePath);
  const join = (field: unknown) => (path === '' ? String(field) : `${path}.${String(field)}`);
  switch (error.keyword) {
    case 'additionalProperties':
      return { object, path: join(error.params.additionalProperty), rule: 'schema', message: 'unknown field (not in the schema)' };
    case 'required':
      return { object, path: join(error.params.missingProperty), rule: 'schema', message: 'required field is missing' };
    case 'enum':
      return { object, path, rule: 'schema', message: `must be one of: ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { object, path, rule: 'schema', message: error.message ?? error.keyword };
  }
}

function dedupe(violations: Violation[]): Violation[] {
  const seen = new Set<string>();
  return violations.filter((v) => {
    const key = `${v.path}\u0000${v.message}`;
    return !seen.has(key) && (seen.add(key), true);
  });
}
