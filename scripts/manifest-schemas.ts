// Builds the contents of schema/manifests/ from the pinned upstream schemas (../shared/crds): the generator
// writes them, the staleness check compares them. Pure: it reads the source folder and returns file texts.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCrdVersions } from '../lib/validate/crd-files';
import { crdSchemaFile, DEFINITIONS_FILE, INDEX_FILE, kindKey, type ManifestSchemaIndex } from '../lib/validate/shipped-schemas';
import { stricten } from '../lib/validate/stricten';
import { CORE_KINDS, CRD_KINDS } from './manifest-kinds';

type JsonSchema = { [key: string]: unknown };

/** Where, inside the source folder, the Kubernetes core definitions live (JSON Schema form of the 1.28 OpenAPI). */
const KUBERNETES_DEFINITIONS = 'kubernetes/cdk8s-kubernetes-schemas/v1.28.0/_definitions.json';
/** CRD metadata is validated as ObjectMeta, so it ships even if no core kind reached it. */
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const SOURCES_FILE = 'SOURCES.md';

/** The source folder: `$SOVEREIGN_CRDS`, else `../shared/crds` beside the repository. Throws when it is absent. */
export function sourceCrdDirectory(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const dir = env.SOVEREIGN_CRDS || resolve(__dirname, '..', '..', 'shared', 'crds');
  if (!existsSync(join(dir, KUBERNETES_DEFINITIONS))) {
    throw new Error(`no upstream schemas at ${dir} (expected ${KUBERNETES_DEFINITIONS}); set SOVEREIGN_CRDS to the shared/crds folder`);
  }
  return dir;
}

/** Every file of schema/manifests/, by path relative to it, as generated from `sourceDir`. */
export function buildManifestSchemas(sourceDir: string): Map<string, string> {
  const files = new Map<string, string>();
  const definitions = (JSON.parse(readFileSync(join(sourceDir, KUBERNETES_DEFINITIONS), 'utf8')) as { definitions: Record<string, JsonSchema> }).definitions;

  const core = coreDefinitionNames(definitions);
  const shipped: Record<string, JsonSchema> = {};
  for (const name of reachable(definitions, [...Object.values(core), OBJECT_META])) {
    // Core objects without properties (RawExtension, FieldsV1) hold arbitrary content, so only described objects close.
    shipped[name] = withoutDescriptions(stricten(definitions[name], false));
  }
  files.set(DEFINITIONS_FILE, json({ definitions: shipped }));

  const crds: Record<string, string> = {};
  const sources = new Set<string>([KUBERNETES_DEFINITIONS]);
  const versions = readCrdVersions(sourceDir);
  for (const key of [...CRD_KINDS].sort()) {
    const version = versions.find((v) => v.served && v.schema !== undefined && kindKey(v.apiVersion, v.kind) === key);
    if (version?.schema === undefined) {
      throw new Error(`${key}: no served version with a schema in the CRDs under ${sourceDir}`);
    }
    const file = crdSchemaFile(version.apiVersion, version.kind);
    crds[key] = file;
    files.set(file, json(withoutDescriptions(stricten(version.schema))));
    sources.add(version.file);
  }
  // Recorded so the validator can tell "no longer served" from "unknown", e.g. for ESO v1beta1.
  const unserved = versions.filter((v) => !v.served && sources.has(v.file)).map((v) => kindKey(v.apiVersion, v.kind));

  const index: ManifestSchemaIndex = { core: sortedRecord(core), crds: sortedRecord(crds), unserved: [...new Set(unserved)].sort() };
  files.set(INDEX_FILE, json(index));
  files.set(SOURCES_FILE, sourcesMarkdown(readFileSync(join(sourceDir, SOURCES_FILE), 'utf8'), sources));
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

function coreDefinitionNames(definitions: Record<string, JsonSchema>): Record<string, string> {
  const byKind = new Map<string, string>();
  for (const [name, definition] of Object.entries(definitions)) {
    for (const gvk of (definition['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined) ?? []) {
      byKind.set(kindKey(gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`, gvk.kind), name);
    }
  }
  const core: Record<string, string> = {};
  for (const key of CORE_KINDS) {
    const name = byKind.get(key);
    if (name === undefined) throw new Error(`${key}: not a Kubernetes 1.28 core kind`);
    core[key] = name;
  }
  return core;
}

/** The definitions reachable from `roots` through `$ref`s, sorted by name. */
function reachable(definitions: Record<string, JsonSchema>, roots: string[]): string[] {
  const seen = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (seen.has(name)) continue;
    if (definitions[name] === undefined) throw new Error(`unresolved $ref to ${name}`);
    seen.add(name);
    JSON.stringify(definitions[name], (key, value: unknown) => {
      if (key === '$ref' && typeof value === 'string') pending.push(value.replace(/^#\/definitions\//, ''));
      return value;
    });
  }
  return [...seen].sort();
}

/** Drops `description` keywords (most of the upstream bytes; no message uses them), never a field named so. */
function withoutDescriptions(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description') continue;
    if (key === 'properties' || key === 'definitions' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, withoutDescriptions(v)]));
    } else if ((key === 'items' || key === 'additionalProperties' || key === 'not') && isSchema(value)) {
      out[key] = withoutDescriptions(value);
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map((v) => (isSchema(v) ? withoutDescriptions(v) : v));
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * SOURCES.md of the shipped schemas: the upstream SOURCES.md's table rows (repository, path, tag, commit, blob,
 * licence) for exactly the files that were used, under their own table headers.
 */
function sourcesMarkdown(upstream: string, used: ReadonlySet<string>): string {
  const out = [
    '# Shipped manifest schemas: sources',
    '',
    'Generated by `npm run schemas` from the pinned upstream files below (`shared/crds/`); do not edit.',
    'Each schema is the upstream one made strict (unknown fields are errors) with its `description` texts removed.',
    'All upstream projects are licensed Apache-2.0.',
  ];
  const found = new Set<string>();
  let header: string[] = [];
  let rows: string[] = [];
  const flush = () => {
    if (rows.length > 0) out.push('', ...header, ...rows);
    rows = [];
  };
  const lines = upstream.split('\n');
  lines.forEach((line, i) => {
    if (line.startsWith('| Local file')) {
      flush();
      header = [line, lines[i + 1]];
    }
    const file = /^\| `([^`]+)` \|/.exec(line)?.[1];
    if (file !== undefined && used.has(file)) {
      rows.push(line);
      found.add(file);
    }
  });
  flush();
  const missing = [...used].filter((f) => !found.has(f));
  if (missing.length > 0) throw new Error(`${SOURCES_FILE} has no row for: ${missing.join(', ')}`);
  return `${out.join('\n')}\n`;
}

function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// No indentation: the files ship in the npm package, and nobody edits them.
function json(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
