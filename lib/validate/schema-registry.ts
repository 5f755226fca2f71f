import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { readCrdVersions } from './crd-files';
import { DEFINITIONS_FILE, INDEX_FILE, kindKey, type ManifestSchemaIndex, shippedSchemaDir, validatorDir } from './shipped-schemas';
import { type JsonSchema, stricten } from './stricten';

export const K8S_SCHEMA_ID = 'kubernetes-definitions';
const OBJECT_META_REF = `${K8S_SCHEMA_ID}#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;
/** The precompiled validators of the core kinds, one module exporting each by its kind key. */
export const CORE_VALIDATORS_FILE = 'core.js';

/** What ajv compiles for a core kind: a reference into the Kubernetes definitions. */
export function coreKindSchema(definition: string): JsonSchema {
  return { $ref: `${K8S_SCHEMA_ID}#/definitions/${definition}` };
}

/** What ajv compiles for a CRD kind: its strict schema, with Kubernetes' ObjectMeta and apiVersion/kind required. */
export function crdKindSchema(strict: JsonSchema): JsonSchema {
  const properties = { ...(strict.properties as JsonSchema), metadata: { $ref: OBJECT_META_REF } };
  return { ...strict, properties, required: [...new Set(['apiVersion', 'kind', ...((strict.required as string[]) ?? [])])] };
}

/** The precompiled validator module of a CRD's schema file (`crds/x.json` -> `x.js`, beside `runtime.js`, which it requires). */
export function crdValidatorFile(schemaFile: string): string {
  return schemaFile.replace(/^.*\//, '').replace(/\.json$/, '.js');
}

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
    const registry = new SchemaRegistry(() => readJson(join(dir, DEFINITIONS_FILE)));
    const index = readJson(join(dir, INDEX_FILE)) as unknown as ManifestSchemaIndex;
    const validators = validatorDir(dir);
    // The shipped kinds are validated by code precompiled from their schemas (npm run schemas): compiling the large
    // CRD schemas with ajv on every run cost about a second.
    for (const [key, definition] of Object.entries(index.core)) {
      registry.coreKinds.set(key, definition);
      registry.precompiled.set(key, () => (require(join(validators, CORE_VALIDATORS_FILE)) as Record<string, ValidateFunction>)[key]);
    }
    for (const [key, file] of Object.entries(index.crds)) {
      registry.crdKinds.set(key, () => readJson(join(dir, file)));
      registry.precompiled.set(key, () => (require(join(validators, crdValidatorFile(file))) as { validate: ValidateFunction }).validate);
    }
    for (const key of index.unserved) registry.unservedKinds.add(key);
    if (options.extraCrds !== undefined) registry.addCrdFolder(options.extraCrds);
    return registry;
  }

  private ajvInstance?: Ajv;
  private readonly coreKinds = new Map<string, string>();
  // Loaded (and for extra CRDs made strict) on first use: a run touches a handful of the kinds.
  private readonly crdKinds = new Map<string, () => JsonSchema>();
  private readonly precompiled = new Map<string, () => ValidateFunction>();
  private readonly unservedKinds = new Set<string>();
  private readonly compiled = new Map<string, KindSchema>();

  private constructor(private readonly definitions: () => JsonSchema) {}

  /** The compiled schema for an apiVersion/kind, or an explanation of why there is none. */
  public schemaFor(apiVersion: string, kind: string): KindSchema | string {
    const key = kindKey(apiVersion, kind);
    const cached = this.compiled.get(key);
    if (cached !== undefined) {
      return cached;
    }
    const coreName = this.coreKinds.get(key);
    const precompiled = this.precompiled.get(key);
    let schema: KindSchema;
    if (coreName !== undefined) {
      schema = { validate: precompiled?.() ?? this.ajv().compile(coreKindSchema(coreName)) };
    } else {
      const load = this.crdKinds.get(key);
      if (load === undefined) {
        return this.unservedKinds.has(key)
          ? `${apiVersion} ${kind} is not served by the pinned CRD (the version is deprecated or removed); use a served version`
          : `no schema for ${apiVersion} ${kind}: it is neither a Kubernetes 1.28 core kind nor in a vendored CRD`;
      }
      const strict = load();
      schema = { validate: precompiled?.() ?? this.ajv().compile(crdKindSchema(strict)), crdSchema: strict };
    }
    this.compiled.set(key, schema);
    return schema;
  }

  // Only CRDs given at run time are compiled here; ajv and the Kubernetes definitions load on that first use.
  private ajv(): Ajv {
    if (this.ajvInstance === undefined) {
      const { createAjv } = require('./ajv-setup') as typeof import('./ajv-setup');
      this.ajvInstance = createAjv();
      this.ajvInstance.addSchema({ ...this.definitions(), $id: K8S_SCHEMA_ID });
    }
    return this.ajvInstance;
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
        this.precompiled.delete(key);
        this.unservedKinds.add(key);
      } else if (schema !== undefined) {
        this.unservedKinds.delete(key);
        this.precompiled.delete(key);
        this.crdKinds.set(key, () => stricten(schema));
      }
    }
  }
}

function readJson(file: string): JsonSchema {
  return JSON.parse(readFileSync(file, 'utf8')) as JsonSchema;
}
