import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { JsonSchema } from './stricten';

/** One version of one CRD, as read from its YAML file. */
export interface CrdVersion {
  /** `group/version`, e.g. `cert-manager.io/v1`. */
  readonly apiVersion: string;
  readonly kind: string;
  /** False for a version the CRD still lists but the API server no longer serves. */
  readonly served: boolean;
  /** The version's `openAPIV3Schema`, as published (not yet strict). */
  readonly schema?: JsonSchema;
  /** The file it came from, relative to the folder that was read. */
  readonly file: string;
}

/** Every version of every CustomResourceDefinition in the `*.yaml` files under `dir` (recursively), in file order. */
export function readCrdVersions(dir: string): CrdVersion[] {
  const files = readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  const versions: CrdVersion[] = [];
  for (const file of files) {
    for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const value = document.toJS() as JsonSchema | null;
      if (value?.kind !== 'CustomResourceDefinition') continue;
      const spec = value.spec as { group: string; names: { kind: string }; versions: { name: string; served: boolean; schema?: { openAPIV3Schema: JsonSchema } }[] };
      for (const version of spec.versions) {
        versions.push({
          apiVersion: `${spec.group}/${version.name}`,
          kind: spec.names.kind,
          served: version.served,
          schema: version.schema?.openAPIV3Schema,
          file: relative(dir, file),
        });
      }
    }
  }
  return versions;
}
