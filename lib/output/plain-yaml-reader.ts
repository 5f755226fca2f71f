import { MAX_PLAIN_INDENT, plainYaml } from './plain-yaml';

// Reads back what the narrow emitter writes (`plainYaml`), several times faster than the `yaml` parser, for
// `sovereign validate`. It never has to be trusted: a file is taken only when writing the value read gives the file
// back byte for byte. Since `plainYaml` writes exactly what yaml writes, and yaml reads what it writes back as the
// same value for plain data (maps, sequences, strings, safe integers, booleans, null), yaml would read that same
// value from the file. Anything else (comments, several documents, anchors, flow collections, floats, a file written
// by hand in another style) returns undefined, and the caller parses it with yaml.

class NotPlain extends Error {}

interface Cursor {
  readonly lines: string[];
  index: number;
}

const indentOf = (line: string): number => {
  let spaces = 0;
  while (line.charCodeAt(spaces) === 32) spaces++;
  return spaces;
};

// yaml's core schema for a plain scalar, as the emitter writes them: null, booleans and decimal integers; any other
// non-string form (floats, octal, hex, `~`, `.inf`) is left to yaml.
function plainScalar(text: string): unknown {
  if (text === 'null') return null;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?[0-9]+$/.test(text)) return Number(text);
  return text;
}

function quoted(text: string): string {
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      throw new NotPlain();
    }
  }
  if (text.length >= 2 && text.endsWith("'")) return text.slice(1, -1).replaceAll("''", "'");
  throw new NotPlain();
}

// The scalar after `key: ` or `- `, or the block scalar whose header it is (content on the following lines).
function scalar(text: string, cursor: Cursor, parentIndent: number): unknown {
  const first = text.charCodeAt(0);
  if (first === 34 /* " */ || first === 39 /* ' */) return quoted(text);
  if (text === '[]') return [];
  if (text === '{}') return {};
  if (first === 124 /* | */) return blockScalar(text, cursor, parentIndent);
  return plainScalar(text);
}

// `|`, `|-`, `|+`, optionally with an indentation indicator (`|2-`), then the lines indented deeper than the parent.
function blockScalar(header: string, cursor: Cursor, parentIndent: number): string {
  const match = /^\|([1-9])?([-+])?$/.exec(header);
  if (match === null) throw new NotPlain();
  const { lines } = cursor;
  let contentIndent = match[1] !== undefined ? parentIndent + Number(match[1]) : -1;
  const content: string[] = [];
  while (cursor.index < lines.length - 1) {
    const line = lines[cursor.index];
    const spaces = indentOf(line);
    if (spaces === line.length) {
      content.push('');
    } else {
      if (contentIndent === -1) contentIndent = spaces;
      if (spaces < contentIndent || contentIndent <= parentIndent) break;
      content.push(line.slice(contentIndent));
    }
    cursor.index++;
  }
  // Trailing empty lines: kept with `+`, otherwise not part of the value (and given back to the document).
  let end = content.length;
  while (end > 0 && content[end - 1] === '') end--;
  if (match[2] !== '+') cursor.index -= content.length - end;
  const body = content.slice(0, end).join('\n');
  if (match[2] === '-') return body;
  if (match[2] === '+') return `${body}\n${content.slice(end).map(() => '\n').join('')}`;
  return end === 0 ? '' : `${body}\n`;
}

// The collection starting at the cursor's line, whose entries are indented by `indent` spaces.
function collection(cursor: Cursor, indent: number): unknown {
  if (indent > MAX_PLAIN_INDENT) throw new NotPlain();
  const { lines } = cursor;
  const line = lines[cursor.index];
  if (line.startsWith('- ', indent)) return sequence(cursor, indent);
  return map(cursor, indent);
}

function sequence(cursor: Cursor, indent: number): unknown[] {
  const { lines } = cursor;
  const items: unknown[] = [];
  while (cursor.index < lines.length - 1) {
    const line = lines[cursor.index];
    if (indentOf(line) !== indent || !line.startsWith('- ', indent)) break;
    const rest = line.slice(indent + 2);
    if (rest.startsWith('- ') || isMapEntry(rest)) {
      // The item is a collection whose first line follows the "- ": read it as if the dash were a space.
      lines[cursor.index] = `${' '.repeat(indent + 2)}${rest}`;
      items.push(collection(cursor, indent + 2));
    } else {
      cursor.index++;
      items.push(scalar(rest, cursor, indent));
    }
  }
  return items;
}

// `key: value` or `key:`, with a key of the plain form the emitter writes.
const ENTRY = /^([A-Za-z0-9_./-][^\s:#'"]*(?::[^\s:#'"]+)*):(?: |$)/;
const isMapEntry = (text: string) => ENTRY.test(text);

function map(cursor: Cursor, indent: number): Record<string, unknown> {
  const { lines } = cursor;
  const result: Record<string, unknown> = {};
  while (cursor.index < lines.length - 1) {
    const line = lines[cursor.index];
    const spaces = indentOf(line);
    if (spaces < indent) break;
    if (spaces > indent) throw new NotPlain();
    const match = ENTRY.exec(line.slice(indent));
    if (match === null) throw new NotPlain();
    const key = match[1];
    const rest = line.slice(indent + match[0].length);
    cursor.index++;
    let value: unknown;
    if (rest !== '') {
      value = scalar(rest, cursor, indent);
    } else {
      if (cursor.index >= lines.length - 1) throw new NotPlain();
      const nested = indentOf(lines[cursor.index]);
      if (nested <= indent && !lines[cursor.index].startsWith('- ', indent)) throw new NotPlain();
      value = collection(cursor, nested);
    }
    result[key] = value;
  }
  return result;
}

/** The value of a file the narrow emitter could have written, or undefined when yaml must read it. */
export function readPlainYaml(text: string): unknown {
  if (!text.endsWith('\n') || text.startsWith('---') || text.includes('\t')) return undefined;
  const cursor: Cursor = { lines: text.split('\n'), index: 0 };
  let value: unknown;
  try {
    value = map(cursor, 0);
  } catch (error) {
    if (error instanceof NotPlain) return undefined;
    throw error;
  }
  return cursor.index === cursor.lines.length - 1 && plainYaml(value) === text ? value : undefined;
}
