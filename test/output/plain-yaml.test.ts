import { stringify } from 'yaml';
import { plainYaml, YAML_OPTIONS } from '../../lib/output/plain-yaml';
import { resolveSovereignConfig, loadSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { EXAMPLES, FSN, HEL, OMANTEL_YAML, threeRegions } from '../helpers/configs';
import { join } from 'node:path';

// The narrow emitter must write exactly what yaml writes, or nothing: checked on every object the shipped examples
// and a large test config render, and on fuzzed values built from the characters that make yaml quote.

const yaml = (value: unknown) => stringify(value, YAML_OPTIONS);

describe('plainYaml', () => {
  const outputs = [
    synthesizeSovereign(loadSovereignConfig(OMANTEL_YAML)),
    synthesizeSovereign(loadSovereignConfig(join(EXAMPLES, 'three-regions.yaml'))),
    synthesizeSovereign(
      resolveSovereignConfig(
        threeRegions({
          hotStandby: { enabled: true, replicaRegion: HEL },
          tenants: [{ name: 'acme', namespaces: ['t-acme'] }],
          databases: [{ name: 'a', namespace: 't-acme' }, { name: 'b', namespace: 't-b', topology: 'distributed' }],
          pushSecrets: [{ name: 'p', namespace: 't-acme', secretName: 's', data: [{ secretKey: 'k', remoteKey: 'sovereign/omantel/acme/k' }] }],
          openbao: { serviceMonitor: true },
          primaryRegion: FSN,
        }),
      ),
    ),
  ];
  const objects = outputs.flatMap((o) => o.regions.flatMap((r) => r.objects));

  test('writes every rendered object it takes exactly as yaml does, and takes most of them', () => {
    let written = 0;
    for (const object of objects) {
      const fast = plainYaml(object);
      if (fast !== undefined) {
        expect(fast).toBe(yaml(object));
        written++;
      }
    }
    expect(written / objects.length).toBeGreaterThan(0.99);
  });

  test('on fuzzed values it writes exactly what yaml writes, or gives up', () => {
    let seed = 42;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const pieces = ['a', 'Z', '0', '1', '-', '.', '_', '/', ':', ' ', '#', '@', '*', '&', '!', '|', '>', "'", '"', '%', '`', '{', '}', '[', ']', ',', '?', '~', 'true', 'null', 'no', '0x', '1e3', '=', '$', '\\', '\t', '\n', 'é', '\x07', '\u00a0', '\u2028', '---', '...', ': ', ' #', '{{ $labels.pod }}'];
    const text = () => Array.from({ length: random(6) }, () => pieces[random(pieces.length)]).join('');
    const value = (depth: number): unknown => {
      switch (random(depth > 3 ? 4 : 7)) {
        case 0:
          return text();
        case 1:
          return random(3) === 0 ? -random(1000) : random(100000);
        case 2:
          return [true, false, null, 0.5, -0][random(5)];
        case 3:
          return `${['app', 'x-1', 'sovereign/omantel/a', 'https://openbao.openbao.svc:8200'][random(4)]}${random(2) ? text() : ''}`;
        case 4:
        case 5:
          return Object.fromEntries(Array.from({ length: random(4) }, () => [random(3) ? ['name', 'spec', 'a.b/c', 'x'][random(4)] + random(5) : text(), value(depth + 1)]));
        default:
          return Array.from({ length: random(4) }, () => value(depth + 1));
      }
    };
    let written = 0;
    for (let i = 0; i < 6000; i++) {
      const candidate = { kind: 'Fuzz', spec: value(0), extra: value(1) };
      const fast = plainYaml(candidate);
      if (fast !== undefined) {
        expect([i, fast]).toEqual([i, yaml(candidate)]);
        written++;
      }
    }
    expect(written).toBeGreaterThan(4800);
  });

  test('writes every string of one character, or with one character around a letter, as yaml does', () => {
    let written = 0;
    for (let code = 0; code < 0x180; code++) {
      const c = String.fromCharCode(code);
      for (const text of [c, `a${c}`, `a${c}b`, `${c}a`, `Z${c}${c}`, `${c}0`]) {
        const value = { k: text, l: [text] };
        const fast = plainYaml(value);
        if (fast !== undefined) {
          expect([code, text, fast]).toEqual([code, text, yaml(value)]);
          written++;
        }
      }
    }
    expect(written).toBeGreaterThan(2000);
  });

  test('gives up on what it cannot be sure of', () => {
    for (const value of [{ a: 0.5 }, { 'a: b': 1 }, { a: undefined }, { a: -0 }, { a: 'kept\n\n' }, { a: 'kept\n ' }, {}, [], 'x', { ['k'.repeat(1025)]: 'v' }, { d: new Date(0) }, { m: new Map([['a', 1]]) }, { s: new Set([1]) }, { j: { toJSON: () => 'x' } }, new Date(0)]) {
      expect(plainYaml(value)).toBeUndefined();
    }
    // A key of 1024 characters is still implicit; one more, and yaml writes `? key`.
    const longest = { ['k'.repeat(1024)]: 'v' };
    expect(plainYaml(longest)).toBe(yaml(longest));
  });

  test('writes quoted and block strings as yaml does at every depth, in maps and in sequences', () => {
    const strings = ['line\nbreak', 'clipped\n', '  indented\nblock\n', 'true', ' lead', '5432', '', 'a: b', '# c', 'x #y', '---', '- a', 'tab\there', ' a\n  b\n\nc', 'é', '{{ $labels.pod }}'];
    for (const text of strings) {
      for (const value of [{ a: text }, { a: [text] }, { a: { b: [{ c: text, d: [text, [text]] }] } }, { a: [[text]] }]) {
        expect([text, plainYaml(value)]).toEqual([text, yaml(value)]);
      }
    }
  });
});
