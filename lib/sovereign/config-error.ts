/** One problem in a Sovereign config: where it is, what was found, and how to fix it. */
export interface ConfigIssue {
  /** Field path such as `regions[1].name`, or the environment variable that supplied the value. */
  readonly path: string;
  /** What the config held there; omitted when the field is missing. */
  readonly value?: unknown;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const got = 'value' in issue && issue.value !== undefined ? ` (got ${describeValue(issue.value)})` : '';
  return `${issue.path}: ${issue.message}${got}`;
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Thrown when a config is invalid; carries every issue found, not just the first. */
export class SovereignConfigError extends Error {
  constructor(
    readonly issues: readonly ConfigIssue[],
    readonly source = 'config',
  ) {
    super(`${source} is invalid (${issues.length} ${issues.length === 1 ? 'error' : 'errors'}):\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`);
    this.name = 'SovereignConfigError';
  }
}
