import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readCrdVersions } from './crd-files';
import { DEFINITIONS_FILE, INDEX_FILE, kindKey, type ManifestSchemaIndex, shippedSchemaDir } from './shipped-schemas';
import { type JsonSchema, stricten } from './stricten';

const K8S_SCHEMA_ID = 'kubernetes-definitions';
const OBJECT_META_REF = `${K8S_SCHEMA_ID}#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;

/** A schema for one served apiVersion/kind, compiled on first use. */
export interface KindSchema {
  readonly validate: ValidateFunction;
  /** The CRD's schema (strict), for the CEL pass; undefined for core kinds. */
  readonly crdSchema?: JsonSchema;
}

/** Options of {@link SchemaRegistry.shipped}. */
export interface SchemaRegistryOptions {
  /**
   * A folder of further CRD YAML files (searched recursively), for kinds the package does not ship. A kind in
   * both wins here: the folder may pin a newer CRD.
   */
  readonly extraCrds?: string;
}

/**
 * Schemas of every kind the validator knows: the shipped ones (Kubernetes 1.28 core kinds and the pinned CRDs of
 * every kind this library renders, already strict: unknown fields are errors, as the API server's pruning would
 * silently drop them) and, optionally, a folder of further CRDs.
 */
export class SchemaRegistry {
  /** The shipped schemas, plus the CRDs in `options.extraCrds`; throws a clear error when that folder is missing. */
  public static shipped(options: SchemaRegistryOptions = {}): SchemaRegistry {
    const dir = shippedSchemaDir();
    const registry = new SchemaRegistry(readJson(join(dir, DEFINITIONS_FILE)));
    const index = readJson(join(dir, INDEX_FILE)) as unknown as ManifestSchemaIndex;
    for (const [key, definition] of Object.entries(index.core)) registry.coreKinds.set(key, definition);
    for (const [key, file] of Object.entries(index.crds)) registry.crdKinds.set(key, () => readJson(join(dir, file)));
    for (const key of index.unserved) registry.unservedKinds.add(key);
    if (options.extraCrds !== undefined) registry.addCrdFolder(options.extraCrds);
    return registry;
  }

  private readonly ajv: Ajv;
  private readonly coreKinds = new Map<string, string>();
  // Loaded (and for extra CRDs made strict) on first use: a run touches a handful of the kinds.
  private readonly crdKinds = new Map<string, () => JsonSchema>();
  private readonly unservedKinds = new Set<string>();
  private readonly compiled = new Map<string, KindSchema>();

  private constructor(definitions: JsonSchema) {
    // strict: false because the schemas carry OpenAPI/Kubernetes keywords (x-kubernetes-*) Ajv does not know.
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false, code: { regExp: goRegExp } });
    addFormats(this.ajv);
    this.ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat('double', { type: 'number', validate: () => true });
    this.ajv.addFormat('cidr', /^([0-9.]+\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/);
    this.ajv.addFormat('idn-hostname', /^[^\s/]+$/);
    this.ajv.addSchema({ ...definitions, $id: K8S_SCHEMA_ID });
  }

  /** The compiled schema for an apiVersion/kind, or an explanation of why there is none. */
  public schemaFor(apiVersion: string, kind: string): KindSchema | string {
    const key = kindKey(apiVersion, kind);
    const cached = this.compiled.get(key);
    if (cached !== undefined) {
      return cached;
    }
    const coreName = this.coreKinds.get(key);
    let schema: KindSchema;
    if (coreName !== undefined) {
      schema = { validate: this.ajv.compile({ $ref: `${K8S_SCHEMA_ID}#/definitions/${coreName}` }) };
    } else {
      const load = this.crdKinds.get(key);
      if (load === undefined) {
        return this.unservedKinds.has(key)
          ? `${apiVersion} ${kind} is not served by the pinned CRD (the version is deprecated or removed); use a served version`
          : `no schema for ${apiVersion} ${kind}: it is neither a Kubernetes 1.28 core kind nor in a vendored CRD`;
      }
      const strict = load();
      const properties = { ...(strict.properties as JsonSchema), metadata: { $ref: OBJECT_META_REF } };
      schema = { validate: this.ajv.compile({ ...strict, properties, required: [...new Set(['apiVersion', 'kind', ...((strict.required as string[]) ?? [])])] }), crdSchema: strict };
    }
    this.compiled.set(key, schema);
    return schema;
  }

  private addCrdFolder(dir: string): void {
    if (!existsSync(dir)) {
      throw new Error(`no CRD folder at ${dir}: --crds DIR must be a folder of CustomResourceDefinition YAML files`);
    }
    for (const version of readCrdVersions(dir)) {
      const key = kindKey(version.apiVersion, version.kind);
      const { schema } = version;
      if (!version.served) {
        this.crdKinds.delete(key);
        this.unservedKinds.add(key);
      } else if (schema !== undefined) {
        this.unservedKinds.delete(key);
        this.crdKinds.set(key, () => stricten(schema));
      }
    }
  }
}

/**
 * CRD patterns are Go regular expressions; some start with inline flags such as `(?i)` (prometheus-operator),
 * which JavaScript spells as a flag instead.
 */
const goRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => {
    const inline = /^(\^?)\(\?([imsU]+)\)/.exec(pattern);
    if (inline === null) return new RegExp(pattern, flags);
    return new RegExp(inline[1] + pattern.slice(inline[0].length), flags + inline[2].replace(/[^ims]/g, ''));
  },
  { code: 'goRegExp' },
);

function readJson(file: string): JsonSchema {
  return JSON.parse(readFileSync(file, 'utf8')) as JsonSchema;
}
