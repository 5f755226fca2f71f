import { stringify } from 'yaml';

// A narrow YAML emitter for the common shape of a rendered manifest: maps, sequences, integers, booleans, null and
// strings that the `yaml` package writes plain. It writes exactly what `yaml` writes with the options below, about
// ten times faster; for anything else (a string yaml would quote or write as a block, a float, a multi-line value) it
// gives up on the whole value and the caller uses `yaml` itself. Whether a string is plain is asked of `yaml` once
// per distinct string, so the quoting rules stay yaml's own. Tests compare both on every rendered object and on
// fuzzed values.

/** The options every manifest is written with: never fold long strings, never emit anchors. */
export const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

const plainValues = new Map<string, boolean>();
const plainKeys = new Map<string, boolean>();
class NotPlain extends Error {}

// A string is emitted plain by this writer only where yaml writes it plain both as a map value and as a sequence item.
function isPlainValue(value: string): boolean {
  let plain = plainValues.get(value);
  if (plain === undefined) {
    plain = !value.includes('\n') && stringify({ k: value }, YAML_OPTIONS) === `k: ${value}\n` && stringify([value], YAML_OPTIONS) === `- ${value}\n`;
    plainValues.set(value, plain);
  }
  return plain;
}

function isPlainKey(key: string): boolean {
  let plain = plainKeys.get(key);
  if (plain === undefined) {
    plain = !key.includes('\n') && stringify({ [key]: 1 }, YAML_OPTIONS) === `${key}: 1\n`;
    plainKeys.set(key, plain);
  }
  return plain;
}

function scalar(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
    throw new NotPlain();
  }
  if (typeof value === 'string') {
    if (isPlainValue(value)) return value;
    throw new NotPlain();
  }
  return undefined;
}

// `value` (a map or sequence) as lines whose first line starts where the caller's cursor is and whose others are
// indented by `indent` spaces.
function block(value: unknown, indent: number): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    return value.map((item, index) => `${index === 0 ? '' : pad}- ${entry(item, indent + 2)}`).join('\n');
  }
  if (typeof value !== 'object' || value === null) throw new NotPlain();
  const entries = Object.entries(value);
  return entries
    .map(([key, item], index) => {
      if (item === undefined || !isPlainKey(key)) throw new NotPlain();
      const head = `${index === 0 ? '' : pad}${key}:`;
      const text = scalar(item) ?? collapsed(item);
      if (text !== undefined) return `${head} ${text}`;
      return `${head}\n${' '.repeat(indent + 2)}${block(item, indent + 2)}`;
    })
    .join('\n');
}

// A sequence item: a scalar, an empty collection, or a collection whose first line follows the "- ".
function entry(item: unknown, indent: number): string {
  return scalar(item) ?? collapsed(item) ?? block(item, indent);
}

function collapsed(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : undefined;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length === 0 ? '{}' : undefined;
  throw new NotPlain();
}

/** `value` as `yaml` would write it with {@link YAML_OPTIONS}, or undefined when this writer cannot be sure. */
export function plainYaml(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0) return undefined;
  try {
    return `${block(value, 0)}\n`;
  } catch (error) {
    if (error instanceof NotPlain) return undefined;
    throw error;
  }
}
