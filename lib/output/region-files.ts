import { stringify } from 'yaml';
import type { KubeObject, SovereignOutput } from '../sovereign/synthesize';
import { sortForApply } from './object-order';
import { plainYaml, YAML_OPTIONS } from './plain-yaml';

export const KUSTOMIZATION_FILE = 'kustomization.yaml';

/** `statefulset_openbao_openbao.yaml`: kind, namespace and name; '_' cannot occur in Kubernetes names. */
export function manifestFileName(object: KubeObject): string {
  const parts = [object.kind.toLowerCase(), object.metadata.namespace, object.metadata.name].filter((p) => p !== undefined);
  return `${parts.join('_')}.yaml`;
}

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
  const files = new Map<string, string>();
  for (const { region, objects } of output.regions) {
    const resources: string[] = [];
    for (const object of sortForApply(objects)) {
      const name = manifestFileName(object);
      const path = `${region}/${name}`;
      if (files.has(path)) {
        throw new Error(`two objects in region ${region} map to ${name}: ${object.apiVersion} ${object.kind} clashes with another kind of the same name`);
      }
      files.set(path, toYaml(object));
      resources.push(name);
    }
    files.set(
      `${region}/${KUSTOMIZATION_FILE}`,
      toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources }),
    );
  }
  return files;
}
