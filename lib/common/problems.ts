import { CONFIG_MAP_KEY, DNS1123_LABEL, DNS1123_SUBDOMAIN, GO_DURATION, LABEL_KEY } from './kube-values';

/** Throws one error listing every problem of a construct's props, so a user fixes them all in one pass. */
export function throwIfProblems(subject: string, problems: readonly string[]): void {
  if (problems.length > 0) {
    throw new Error(`${subject} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A namespace (or other DNS-1123 label) name problem, or undefined. */
export function labelNameProblem(field: string, value: unknown, max = 63): string | undefined {
  return typeof value === 'string' && value.length <= max && DNS1123_LABEL.test(value)
    ? undefined
    : `${field}: ${JSON.stringify(value)} must be a DNS-1123 label (lowercase letters, digits, '-') of at most ${max} characters`;
}

/** An object name (DNS-1123 subdomain, e.g. a Secret or PushSecret name) problem, or undefined. */
export function objectNameProblem(field: string, value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= 253 && DNS1123_SUBDOMAIN.test(value)
    ? undefined
    : `${field}: ${JSON.stringify(value)} must be a DNS-1123 subdomain (lowercase letters, digits, '-', '.') of at most 253 characters`;
}

/** A Secret or ConfigMap data key problem, or undefined. */
export function dataKeyProblem(field: string, value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= 253 && CONFIG_MAP_KEY.test(value) ? undefined : `${field}: ${JSON.stringify(value)} must be a data key (letters, digits, '-', '_', '.')`;
}

/** A Go duration problem ("1h", "10m"), or undefined. */
export function durationProblem(field: string, value: string | undefined): string | undefined {
  return value === undefined || GO_DURATION.test(value) ? undefined : `${field}: ${JSON.stringify(value)} must be a duration such as "1h" or "10m"`;
}

/** Problems with a label map: keys must be label keys, values at most 63 characters of the label alphabet. */
export function labelsProblems(field: string, labels: Readonly<Record<string, string>> | undefined): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!LABEL_KEY.test(key) || key.length > 317) problems.push(`${field}: ${JSON.stringify(key)} is not a label key`);
    if (typeof value !== 'string' || value.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value)) {
      problems.push(`${field}.${key}: ${JSON.stringify(value)} is not a label value (at most 63 letters, digits, '-', '_', '.')`);
    }
  }
  return problems;
}
