import { stringify } from 'yaml';
import type { KubeObject, SovereignOutput } from '../sovereign/synthesize';
import { sortForApply } from './object-order';
import { plainYaml, YAML_OPTIONS } from './plain-yaml';

export const KUSTOMIZATION_FILE = 'kustomization.yaml';

/** `statefulset_openbao_openbao.yaml`: kind, namespace and name; '_' cannot occur in Kubernetes names. */
export function manifestFileName(object: KubeObject): string {
  const { namespace, name } = object.metadata;
  return `${object.kind.toLowerCase()}${fileNamePart(namespace)}${fileNamePart(name)}.yaml`;
}

// Written out rather than as a filtered list joined (it runs 170,000 times at 10,000 pairs), with join's own rules:
// an undefined part is left out, and a null one is an empty string.
const fileNamePart = (value: unknown) => (value === undefined ? '' : `_${value ?? ''}`);

export function toYaml(value: unknown): string {
  // lineWidth 0: never fold long strings (server configs, CEL), so diffs stay one line per change. Most objects are
  // written by the narrow emitter, byte for byte as yaml would; the rest by yaml.
  return plainYaml(value) ?? stringify(value, YAML_OPTIONS);
}

/**
 * Lays out a synthesized Sovereign as files: `<region>/<object>.yaml` for every object and
 * `<region>/kustomization.yaml` listing them in apply order. Paths are relative to the output folder.
 */
export function renderRegionFiles(output: Pick<SovereignOutput, 'regions'>): Map<string, string> {
  return new Map(regionFileEntries(output));
}

/**
 * The files of {@link renderRegionFiles} one at a time, each rendered only when asked for, so a writer can write
 * each and let it go: at 10,000 pairs the text of every file held at once is hundreds of megabytes.
 */
export function* regionFileEntries(output: Pick<SovereignOutput, 'regions'>): Generator<[path: string, content: string]> {
  for (const { region, objects } of output.regions) {
    const resources: string[] = [];
    const names = new Set<string>();
    for (const object of sortForApply(objects)) {
      const name = manifestFileName(object);
      if (names.has(name)) {
        throw new Error(`two objects in region ${region} map to ${name}: ${object.apiVersion} ${object.kind} clashes with another kind of the same name`);
      }
      names.add(name);
      resources.push(name);
      yield [`${region}/${name}`, toYaml(object)];
    }
    yield [`${region}/${KUSTOMIZATION_FILE}`, toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources })];
  }
}
