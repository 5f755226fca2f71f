import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readPlainYaml } from '../output/plain-yaml-reader';
import { KUSTOMIZATION_FILE } from '../output/region-files';
import { checkBackups } from './backup-rules';
import { checkCelRules } from './cel-rules';
import { checkGlobalServices } from './global-service-rules';
import { checkOpenBao } from './openbao-rules';
import { checkTenancy } from './tenancy-rules';
import { checkPodSecurity } from './pod-security';
import { SchemaRegistry } from './schema-registry';
import { checkSecretData } from './secret-data';
import { describeObject, jsonPointerToPath, type Manifest, type Violation } from './violation';

/** What a validation run looked at and found. */
export interface ValidationResult {
  readonly files: number;
  readonly objects: number;
  readonly violations: Violation[];
}

/**
 * Checks rendered manifests the way a production cluster would judge them: strict schema (core kinds and
 * vendored CRDs, with their CEL rules), Pod Security `restricted` for every pod template, no secret data, no duplicate
 * objects, the OpenBao server behaviours a schema cannot see (self-init, audit, probes, `$TMPDIR`, certificate reload), and
 * no ClusterMesh-global Service whose backends no network policy selects, and no backup reference (Cluster -> Barman
 * Cloud ObjectStore, ScheduledBackup -> archiving Cluster, ObjectStore -> credentials Secret) that points at nothing.
 */
export class ManifestValidator {
  /** A validator over `schemas`: by default the ones that ship with the package. */
  constructor(private readonly schemas: SchemaRegistry = SchemaRegistry.shipped()) {}

  /**
   * Every violation in a list of objects meant for one cluster (two objects of one kind, namespace and name are a
   * `duplicate` violation); `file` is recorded on each violation when given.
   */
  public validateObjects(objects: readonly unknown[], file?: string): Violation[] {
    const entries = objects.map((object) => ({ object }));
    const violations = [...objects.flatMap((object) => this.validateObject(object)), ...clusterRules(entries)];
    return file === undefined ? violations : violations.map((v) => ({ ...v, file }));
  }

  /** Every violation in the `*.yaml` files under `dir` (recursively), except kustomization files. */
  public validateDirectory(dir: string): ValidationResult {
    const root = resolve(dir);
    if (!existsSync(root)) {
      throw new Error(`no such folder: ${dir}`);
    }
    const files = readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && e.name !== KUSTOMIZATION_FILE)
      .map((e) => join(e.parentPath, e.name))
      .sort();
    return this.validateFiles(files);
  }

  /**
   * Every violation in the given manifest files (multi-document YAML). The files of one folder are taken as one
   * cluster's manifests (as a region folder or a kustomization is), so duplicates are looked for per folder.
   */
  public validateFiles(files: readonly string[]): ValidationResult {
    const violations: Violation[] = [];
    const perFolder = new Map<string, { object: unknown; file: string }[]>();
    let objects = 0;
    for (const file of files) {
      const name = relative(process.cwd(), file);
      const folder = dirname(resolve(file));
      let entries = perFolder.get(folder);
      if (entries === undefined) perFolder.set(folder, (entries = []));
      for (const object of readManifests(readFileSync(file, 'utf8'))) {
        if (object instanceof ParseError) {
          violations.push({ file: name, object: '<unparsable>', path: '', rule: 'schema', message: object.message });
          continue;
        }
        if (object === null) continue;
        objects++;
        violations.push(...this.validateObject(object).map((v) => ({ ...v, file: name })));
        entries.push({ object, file: name });
      }
    }
    for (const entries of perFolder.values()) violations.push(...clusterRules(entries));
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

// The rules that judge one cluster's objects together rather than each on its own.
function clusterRules(entries: readonly { readonly object: unknown; readonly file?: string }[]): Violation[] {
  return [...duplicates(entries), ...checkOpenBao(entries), ...checkTenancy(entries), ...checkGlobalServices(entries), ...checkBackups(entries)];
}

class ParseError {
  constructor(public readonly message: string) {}
}

// A file as the documents yaml reads from it. What this library writes is read by the narrow reader, which answers
// only where yaml would read the same value (about five times faster); anything else is parsed by yaml.
function readManifests(text: string): unknown[] {
  const plain = readPlainYaml(text);
  if (plain !== undefined) return [plain];
  return parseAllDocuments(text).map((document) => (document.errors.length > 0 ? new ParseError(document.errors[0].message.split('\n')[0]) : document.toJS()));
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

// Two objects with one API group, kind, namespace and name in one cluster: applying them, the second silently replaces the first.
function duplicates(entries: readonly { readonly object: unknown; readonly file?: string }[]): Violation[] {
  const seen = new Map<string, string | undefined>();
  const violations: Violation[] = [];
  for (const { object, file } of entries) {
    const manifest = object as Manifest;
    if (typeof manifest?.apiVersion !== 'string' || typeof manifest.kind !== 'string' || typeof manifest.metadata?.name !== 'string') continue;
    const group = manifest.apiVersion.includes('/') ? manifest.apiVersion.split('/')[0] : '';
    const key = [group, manifest.kind, manifest.metadata.namespace ?? '', manifest.metadata.name].join('\u0000');
    if (!seen.has(key)) {
      seen.set(key, file);
      continue;
    }
    const first = seen.get(key);
    violations.push({
      ...(file !== undefined ? { file } : {}),
      object: describeObject(manifest),
      path: 'metadata.name',
      rule: 'duplicate',
      message: `the same object is rendered twice${first !== undefined ? ` (first in ${first})` : ''}; applying both, the second replaces the first — rename one of them`,
    });
  }
  return violations;
}
