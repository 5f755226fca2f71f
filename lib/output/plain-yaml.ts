import { Document, stringify } from 'yaml';

// A narrow YAML emitter for plain data, the shape of a rendered manifest: maps, sequences, integers, booleans, null
// and strings. It writes exactly what `yaml` writes with the options below, about ten times faster; for anything else
// (a float, -0, undefined, a key yaml would quote, a string ending in a line break) it gives up on the whole value and
// the caller uses `yaml` itself. The quoting rules stay yaml's own: a string is written bare only when it is of the
// form yaml's `plainString` writes bare in the core schema, and a one-line string is quoted as yaml's
// `quotedString` quotes it where that needs no escape (yaml v2.9.1 `dist/stringify/stringifyString.js`); any other
// string is written as yaml writes it at that very place, asked of yaml once per string, context and column. Tests
// compare both on every rendered object and on fuzzed values.

/** The options every manifest is written with: never fold long strings, never emit anchors. */
export const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

// Letters first (never a number, `.inf`, an indicator or a document marker), then no space, `#`, quote or flow
// character, and no `:` at the end: yaml writes these bare unless the core schema would read them as a bool or null.
// That is /^[A-Za-z][A-Za-z0-9_./:-]*$/ without `:` at the end, tested a character at a time: it runs for every string
// of every manifest, tens of millions of times at 10,000 pairs.
const CORE_SCHEMA_WORDS = new Set(['true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL']);
const isLetter = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
// Digits, `_`, `.`, `/`, `:` and `-`.
const isBareTail = (c: number) => (c >= 0x30 && c <= 0x3a) || c === 0x5f || c === 0x2e || c === 0x2f || c === 0x2d;
function bare(text: string): boolean {
  if (text.length === 0 || !isLetter(text.charCodeAt(0))) return false;
  for (let index = 1; index < text.length; index++) {
    const c = text.charCodeAt(index);
    if (!isLetter(c) && !isBareTail(c)) return false;
  }
  return text.charCodeAt(text.length - 1) !== 0x3a && !CORE_SCHEMA_WORDS.has(text);
}

// yaml v2.9 `stringifyString`, for a one-line string in block context (never a key, never in a flow collection):
// control characters force double quotes; `plainString` quotes what NOT_PLAIN matches, what starts like a document
// marker (asked of yaml here) and what a core-schema tag other than str would read (those tags are yaml's own).
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
const OTHER_CORE_TAGS = new Document().schema.tags.flatMap((tag) => ('test' in tag && tag.default && tag.tag !== 'tag:yaml.org,2002:str' && tag.test !== undefined ? [tag.test] : []));

// A one-line string as yaml writes it as a map value or sequence item at any column, or undefined when yaml is to be
// asked. `quotedString` (singleQuote unset) picks single quotes only for a string with `"` and no `'`; a double-quoted
// string is its JSON form, used as it is when it holds no escape.
function oneLineText(value: string): string | undefined {
  if (value.includes('\n') || CONTROL.test(value) || DOCUMENT_MARKER.test(value)) return undefined;
  if (!NOT_PLAIN.test(value) && !OTHER_CORE_TAGS.some((test) => test.test(value))) return value;
  const hasDouble = value.includes('"');
  if (hasDouble && !value.includes("'")) return `'${value}'`;
  const json = JSON.stringify(value);
  return json.includes('\\') ? undefined : json;
}

class NotPlain extends Error {}

// A key that is not of the bare form is written only where yaml writes it bare too. A key longer than 1024 characters
// is never written here: yaml writes it as an explicit `? key` (yaml v2.9.1 `stringifyPair`, since YAML allows at
// most 1024 characters before an implicit key's `:`). Remembered per key: a manifest has a few hundred distinct keys,
// written millions of times at 10,000 pairs.
const plainKeys = new Map<string, boolean>();
function plainKey(key: string): boolean {
  let plain = plainKeys.get(key);
  if (plain === undefined) {
    plain = key.length <= 1024 && (bare(key) || (!key.includes('\n') && stringify({ [key]: 1 }, YAML_OPTIONS) === `${key}: 1\n`));
    plainKeys.set(key, plain);
  }
  return plain;
}

// Other strings as yaml writes them at `column` as a map value (key at that column) or a sequence item ("- " there).
const written = new Map<string, string>();
function stringText(value: string, inSequence: boolean, column: number): string {
  if (bare(value)) return value;
  const oneLine = oneLineText(value);
  if (oneLine !== undefined) return oneLine;
  if (keepsFinalBreaks(value)) throw new NotPlain();
  const key = `${inSequence ? '-' : ':'}${column}\0${value}`;
  let text = written.get(key);
  if (text === undefined) {
    text = askYaml(value, inSequence, column);
    written.set(key, text);
  }
  return text;
}

// yaml writes such a string as a block with "keep" chomping (`|+`), which changes what it writes after it (yaml v2
// `blockString` and `stringifyDocument`); leave those to yaml.
function keepsFinalBreaks(value: string): boolean {
  let start = value.length;
  while (start > 0 && (value[start - 1] === '\n' || value[start - 1] === '\t' || value[start - 1] === ' ')) start--;
  const end = value.slice(start);
  const lineBreak = end.indexOf('\n');
  return lineBreak !== -1 && (value === end || lineBreak !== end.length - 1);
}

// Places `value` at that column by nesting it under single-key maps (each nests by two) and cuts yaml's rendering of it.
function askYaml(value: string, inSequence: boolean, column: number): string {
  const depth = column / 2;
  let probe: unknown = inSequence ? [value] : { k: value };
  for (let level = 0; level < depth; level++) probe = { p: probe };
  const lines = stringify(probe, YAML_OPTIONS).split('\n');
  const lead = `${' '.repeat(column)}${inSequence ? '- ' : 'k: '}`;
  if (!Number.isInteger(depth) || lines.length < depth + 2 || !lines[depth].startsWith(lead) || lines[lines.length - 1] !== '') {
    throw new NotPlain();
  }
  return [lines[depth].slice(lead.length), ...lines.slice(depth + 1, -1)].join('\n');
}

function scalar(value: unknown, inSequence: boolean, column: number): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
    throw new NotPlain();
  }
  if (typeof value === 'string') return stringText(value, inSequence, column);
  return undefined;
}

// A line break and `indent` spaces, built once per depth.
const breaks: string[] = [];
const lineBreak = (indent: number) => (breaks[indent] ??= `\n${' '.repeat(indent)}`);

// Appends a sequence, or a map with these keys, to `out` as lines whose first line starts where the cursor is and whose
// others are indented by `indent` spaces. Pieces are joined once per object: concatenating as it goes would keep every
// file's text as a tree of fragments (several times its size) until it is written.
function sequence(items: readonly unknown[], indent: number, out: string[]): void {
  for (let index = 0; index < items.length; index++) {
    if (index > 0) out.push(lineBreak(indent));
    out.push('- ');
    const item = items[index];
    const text = scalar(item, true, indent);
    if (text !== undefined) out.push(text);
    else nested(item, indent + 2, out, '');
  }
}

function map(value: Record<string, unknown>, keys: readonly string[], indent: number, out: string[]): void {
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index];
    const item = value[key];
    if (item === undefined || !plainKey(key)) throw new NotPlain();
    if (index > 0) out.push(lineBreak(indent));
    const text = scalar(item, false, indent);
    if (text !== undefined) out.push(key, ': ', text);
    else nested(item, indent + 2, out, key);
  }
}

/**
 * The deepest indentation written or read here; anything deeper is left to yaml. yaml 2.9.1 recurses once per level:
 * its parser catches the stack overflow and reports RESOURCE_EXHAUSTION (dist/compose/compose-node.js), and stringify
 * throws it as a RangeError; under node both happen near 900-1,000 levels. The narrow writer and reader stop at this
 * indentation (100 levels as the writer writes them) to stay within what yaml itself does; a manifest nests about 20.
 */
export const MAX_PLAIN_INDENT = 200;

// A collection as a map value (after `key:`, on the next lines, or `{}`/`[]` on the same line) or as a sequence item
// (`key` empty: after the "- ").
function nested(item: unknown, indent: number, out: string[], key: string): void {
  if ((!Array.isArray(item) && !isPlainObject(item)) || indent > MAX_PLAIN_INDENT) throw new NotPlain();
  const keys = Array.isArray(item) ? undefined : Object.keys(item);
  if ((keys ?? (item as unknown[])).length === 0) {
    if (key !== '') out.push(key, ': ');
    out.push(keys === undefined ? '[]' : '{}');
    return;
  }
  if (key !== '') out.push(key, ':', lineBreak(indent));
  if (keys === undefined) sequence(item as unknown[], indent, out);
  else map(item as Record<string, unknown>, keys, indent, out);
}

// yaml writes other objects its own way (a Date as a timestamp, a Map as a map, a Set as a sequence, toJSON first).
function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return (prototype === Object.prototype || prototype === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** `value` as `yaml` would write it with {@link YAML_OPTIONS}, or undefined when this writer cannot be sure. */
export function plainYaml(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length === 0) return undefined;
  const out: string[] = [];
  try {
    map(value as Record<string, unknown>, keys, 0, out);
  } catch (error) {
    if (error instanceof NotPlain) return undefined;
    throw error;
  }
  out.push('\n');
  return out.join('');
}
