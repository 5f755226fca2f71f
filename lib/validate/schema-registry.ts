import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';

/** Where, inside a CRD directory, the Kubernetes core definitions live (JSON Schema form of the 1.28 OpenAPI). */
export const KUBERNETES_DEFINITIONS = join('kubernetes', 'cdk8s-kubernetes-schemas', 'v1.28.0', '_definitions.json');
const K8S_SCHEMA_ID = 'kubernetes-definitions';
const OBJECT_META_REF = `${K8S_SCHEMA_ID}#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;

type JsonSchema = { [key: string]: unknown };

/** A schema for one served apiVersion/kind, compiled on first use. */
export interface KindSchema {
  readonly validate: ValidateFunction;
  /** The CRD's schema (after strictening), for the CEL pass; undefined for core kinds. */
  readonly crdSchema?: JsonSchema;
}

/**
 * Schemas of every kind the validator knows: Kubernetes core kinds from the vendored definitions and every
 * served version of every CRD under a directory. Schemas are made strict (unknown fields are errors), as the
 * API server's pruning would silently drop them.
 */
export class SchemaRegistry {
  /** Loads `dir` (a folder like `../shared/crds`); throws a clear error when it is missing or incomplete. */
  public static fromDirectory(dir: string): SchemaRegistry {
    const definitionsFile = join(dir, KUBERNETES_DEFINITIONS);
    if (!existsSync(definitionsFile)) {
      throw new Error(
        `no schemas at ${dir}: expected ${KUBERNETES_DEFINITIONS} and CRD YAML files in its subfolders. Pass --crds DIR (the vendored upstream CRDs).`,
      );
    }
    return new SchemaRegistry(JSON.parse(readFileSync(definitionsFile, 'utf8')), readCrds(dir));
  }

  private readonly ajv: Ajv;
  private readonly coreKinds = new Map<string, string>();
  private readonly crdKinds = new Map<string, JsonSchema>();
  private readonly unservedKinds = new Set<string>();
  private readonly compiled = new Map<string, KindSchema>();

  private constructor(definitions: { definitions: Record<string, JsonSchema> }, crds: JsonSchema[]) {
    // strict: false because the schemas carry OpenAPI/Kubernetes keywords (x-kubernetes-*) Ajv does not know.
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false, code: { regExp: goRegExp } });
    addFormats(this.ajv);
    this.ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat('double', { type: 'number', validate: () => true });
    this.ajv.addFormat('cidr', /^([0-9.]+\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/);
    this.ajv.addFormat('idn-hostname', /^[^\s/]+$/);

    const strictDefinitions: Record<string, JsonSchema> = {};
    for (const [name, definition] of Object.entries(definitions.definitions)) {
      // Core objects without properties (RawExtension, FieldsV1) hold arbitrary content, so only described objects close.
      strictDefinitions[name] = stricten(definition, false);
      for (const gvk of (definition['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined) ?? []) {
        this.coreKinds.set(kindKey(gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`, gvk.kind), name);
      }
    }
    this.ajv.addSchema({ $id: K8S_SCHEMA_ID, definitions: strictDefinitions });

    for (const crd of crds) {
      const spec = crd.spec as { group: string; names: { kind: string }; versions: { name: string; served: boolean; schema?: { openAPIV3Schema: JsonSchema } }[] };
      for (const version of spec.versions) {
        const key = kindKey(`${spec.group}/${version.name}`, spec.names.kind);
        if (!version.served) {
          this.unservedKinds.add(key);
        } else if (version.schema?.openAPIV3Schema !== undefined) {
          this.crdKinds.set(key, version.schema.openAPIV3Schema);
        }
      }
    }
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
      const crdSchema = this.crdKinds.get(key);
      if (crdSchema === undefined) {
        return this.unservedKinds.has(key)
          ? `${apiVersion} ${kind} is not served by the pinned CRD (the version is deprecated or removed); use a served version`
          : `no schema for ${apiVersion} ${kind}: it is neither a Kubernetes 1.28 core kind nor in a vendored CRD`;
      }
      const strict = stricten(crdSchema);
      const properties = { ...(strict.properties as JsonSchema), metadata: { $ref: OBJECT_META_REF } };
      schema = { validate: this.ajv.compile({ ...strict, properties, required: [...new Set(['apiVersion', 'kind', ...((strict.required as string[]) ?? [])])] }), crdSchema: strict };
    }
    this.compiled.set(key, schema);
    return schema;
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

function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

function readCrds(dir: string): JsonSchema[] {
  const crds: JsonSchema[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.ya?ml$/.test(entry.name)) {
      for (const document of parseAllDocuments(readFileSync(join(entry.parentPath, entry.name), 'utf8'))) {
        const value = document.toJS() as JsonSchema | null;
        if (value?.kind === 'CustomResourceDefinition') {
          crds.push(value);
        }
      }
    }
  }
  return crds;
}

/**
 * Makes a schema strict the way the API server's structural schemas behave: an object's unknown fields are
 * errors unless it preserves unknown fields; int-or-string accepts both; embedded resources allow
 * apiVersion/kind/metadata.
 */
export function stricten(schema: JsonSchema, closeEmptyObjects = true, close = true): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' || key === 'definitions' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, stricten(v, closeEmptyObjects, close)]));
    } else if ((key === 'items' || key === 'additionalProperties') && isSchema(value)) {
      out[key] = stricten(value, closeEmptyObjects, close);
    } else if (key === 'not' && isSchema(value)) {
      out[key] = stricten(value, closeEmptyObjects, false);
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      // Branches only add constraints (structural schemas): the object's own properties define its fields.
      out[key] = value.map((v) => (isSchema(v) ? stricten(v, closeEmptyObjects, false) : v));
    } else {
      out[key] = value;
    }
  }
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (out['x-kubernetes-embedded-resource'] === true) {
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...(out.properties as JsonSchema) };
  }
  const isObject = out.type === 'object' || (out.type === undefined && out.properties !== undefined);
  // In a CRD, an object with no properties and no preserve-unknown-fields is pruned to {} by the server.
  const open = out['x-kubernetes-preserve-unknown-fields'] === true || out.additionalProperties !== undefined;
  const composed = out.allOf !== undefined || out.anyOf !== undefined || out.oneOf !== undefined;
  const described = out.properties !== undefined;
  if (close && isObject && !open && (described || (closeEmptyObjects && !composed))) {
    out.additionalProperties = false;
  }
  return out;
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
