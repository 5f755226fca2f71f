import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { plainYaml, YAML_OPTIONS } from '../../lib/output/plain-yaml';
import { readPlainYaml } from '../../lib/output/plain-yaml-reader';
import { loadSovereignConfig, resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { EXAMPLES, HEL, OMANTEL_YAML, threeRegions } from '../helpers/configs';

// The reader may answer only what yaml itself reads from the same text; wherever it answers, the two must agree.

const yaml = (value: unknown) => stringify(value, YAML_OPTIONS);

describe('readPlainYaml', () => {
  test('reads every rendered object of the shipped examples and a larger config back as yaml does', () => {
    const outputs = [
      synthesizeSovereign(loadSovereignConfig(OMANTEL_YAML)),
      synthesizeSovereign(loadSovereignConfig(join(EXAMPLES, 'three-regions.yaml'))),
      synthesizeSovereign(resolveSovereignConfig(threeRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ name: 'a', namespace: 't-a' }, { name: 'b', namespace: 't-b', topology: 'distributed' }] }))),
    ];
    let read = 0;
    for (const object of outputs.flatMap((o) => o.regions.flatMap((r) => r.objects))) {
      const text = yaml(object);
      const value = readPlainYaml(text);
      if (value !== undefined) read++;
      // THEN it reads the object, and reads it as yaml does
      expect(value).toEqual(object);
      expect(value).toEqual(parse(text));
    }
    expect(read).toBeGreaterThan(300);
  });

  test('on fuzzed documents it reads what yaml reads, or leaves the text to yaml', () => {
    let seed = 11;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const pieces = ['a', 'Z', '0', '7', '-', '.', '_', '/', ':', ' ', '#', '@', '*', '&', '!', '|', '>', "'", '"', '%', '`', '{', '}', '[', ']', ',', '?', '~', 'true', 'null', '0x1', '1e3', '\\', '\t', '\n', '\n\n', 'é', '---', ': ', ' #', '  '];
    const text = () => Array.from({ length: random(7) }, () => pieces[random(pieces.length)]).join('');
    const value = (depth: number): unknown => {
      switch (random(depth > 3 ? 4 : 7)) {
        case 0:
          return text();
        case 1:
          return random(3) === 0 ? -random(1000) : random(100000);
        case 2:
          return [true, false, null, 0.5, -0, 2 ** 60][random(6)];
        case 3:
          return `${['app', 'x-1', 'set -eu\nexit 0\n', 'https://h:8200'][random(4)]}${random(2) ? text() : ''}`;
        case 4:
        case 5:
          return Object.fromEntries(Array.from({ length: random(4) }, () => [random(3) ? ['name', 'spec', 'a.b/c', 'x', '5432'][random(5)] + random(5) : text(), value(depth + 1)]));
        default:
          return Array.from({ length: random(4) }, () => value(depth + 1));
      }
    };
    let read = 0;
    for (let i = 0; i < 6000; i++) {
      const document = yaml({ kind: 'Fuzz', spec: value(0), extra: value(1) });
      const result = readPlainYaml(document);
      if (result !== undefined) {
        expect([i, result]).toEqual([i, parse(document)]);
        read++;
      }
    }
    expect(read).toBeGreaterThan(3000);
  });

  test('leaves deep nesting to yaml, which can run out of stack (about 900 levels under node) where this reader would not', () => {
    const nestedValue = (depth: number) => {
      let value: unknown = 1;
      for (let level = 0; level < depth; level++) value = { a: value };
      return value;
    };
    const text = (depth: number) => `${Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}a:`).join('\n')} 1\n`;
    expect(readPlainYaml(text(100))).toEqual(nestedValue(100));
    expect(plainYaml(nestedValue(100))).toBe(text(100));
    expect(readPlainYaml(text(102))).toBeUndefined();
    expect(plainYaml(nestedValue(102))).toBeUndefined();
    expect(stringify(nestedValue(102), YAML_OPTIONS)).toBe(text(102));
    // How deep yaml gets depends on the stack it is given; this reader never answers there.
    expect(readPlainYaml(text(1200))).toBeUndefined();
  });

  test('leaves to yaml what it does not write: comments, several documents, flow style, anchors, other indents', () => {
    for (const text of [
      'a: 1 # one\n',
      '# head\na: 1\n',
      '---\na: 1\n',
      'a: 1\n---\nb: 2\n',
      'a: {b: 1}\n',
      'a: [1, 2]\n',
      'a: &x 1\nb: *x\n',
      'a:\n- 1\n',
      'a:\n    b: 1\n',
      'a: 1.5\n',
      'a: ~\n',
      'a: 0x10\n',
      'a: 007\n',
      'a: "x\\ty"\n',
      "'a': 1\n",
      'a: 1',
      'a:\tb\n',
      '- a\n',
    ]) {
      const value = readPlainYaml(text);
      // Either left to yaml, or read exactly as yaml reads it.
      if (value !== undefined) expect([text, value]).toEqual([text, parse(text)]);
    }
    expect(readPlainYaml('a: 1 # one\n')).toBeUndefined();
    expect(readPlainYaml('a: [1, 2]\n')).toBeUndefined();
    expect(readPlainYaml('a:\n    b: 1\n')).toBeUndefined();
    expect(readPlainYaml('a: 1.5\n')).toBeUndefined();
    // A key over 1024 characters is not valid YAML as an implicit key: yaml refuses to read it, and so does the reader.
    expect(() => parse(`${'k'.repeat(1025)}: v\n`)).toThrow();
    expect(readPlainYaml(`${'k'.repeat(1025)}: v\n`)).toBeUndefined();
  });
});
