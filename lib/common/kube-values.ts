/** Shapes of Kubernetes values that several layers validate; one definition so their checks cannot drift. */
export const QUANTITY = /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/;
/** registry/path:tag, registry/path@sha256:digest, or both. */
export const IMAGE_REF =
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Kubernetes label key: optional DNS-subdomain prefix and '/', then a name of letters, digits, '-', '_', '.'. */
export const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** `spiffe://<trust domain>/<path>`. */
export const SPIFFE_ID = /^spiffe:\/\/[a-z0-9._-]+(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$/;
/** A Secret or ConfigMap data key. */
export const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;
/** Go duration as ESO, cert-manager and Prometheus read it: "1h", "20m", "1h30m". */
export const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

/** CPU and memory of a container, as Kubernetes quantities. */
export interface ContainerResources {
  readonly requests?: { readonly cpu?: string; readonly memory?: string };
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

/** Problems with the quantities of a resources block, prefixed with `field`. */
export function resourcesProblems(field: string, resources: ContainerResources | undefined): string[] {
  const problems: string[] = [];
  for (const kind of ['requests', 'limits'] as const) {
    for (const [name, value] of Object.entries(resources?.[kind] ?? {})) {
      if (value !== undefined && !QUANTITY.test(value)) problems.push(`${field}.${kind}.${name}: "${value}" is not a Kubernetes quantity such as "500m" or "1Gi"`);
    }
  }
  return problems;
}
