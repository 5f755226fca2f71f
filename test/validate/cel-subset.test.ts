import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { celEnv, type CelInput, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { CEL_SUBSET_FILE, DEFERRED, evaluateSubset, type SubsetExpr } from '../../lib/validate/cel-subset';
import { shippedSchemaDir, validatorDir } from '../../lib/validate/shipped-schemas';
import { buildCelSubsetTable, subsetExpr } from '../../scripts/cel-subset-table';
import { EXAMPLES } from '../helpers/configs';

const table = Object.entries(JSON.parse(readFileSync(join(validatorDir(), CEL_SUBSET_FILE), 'utf8')) as Record<string, SubsetExpr>);

// @bufbuild/cel itself, as lib/validate/cel-rules.ts runs a rule outside the subset.
const env = celEnv({ funcs: strings });
const library = (rule: string) => {
  const program = plan(env, parse(rule));
  return (self: CelInput) => {
    const result = program({ self });
    return typeof result === 'boolean' ? result : undefined;
  };
};
const subset = (rule: string, self: unknown) => {
  const result = evaluateSubset(subsetExpr(parse(rule).expr)!, self);
  return result === DEFERRED ? DEFERRED : typeof result === 'boolean' ? result : undefined;
};

// A small deterministic generator (mulberry32), so a failure names a value that reproduces.
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Field names and string constants of a tree: the fuzzed values are made of them, so the rule is decided often. */
function vocabulary(tree: SubsetExpr, fields: Set<string>, words: Set<string>): void {
  if (tree[0] === 'select' || tree[0] === 'has') {
    fields.add(tree[2]);
    vocabulary(tree[1], fields, words);
  } else if (tree[0] === 'const' && typeof tree[1] === 'string') {
    words.add(tree[1]);
  } else if (tree[0] === 'call') {
    for (const arg of tree[2]) vocabulary(arg, fields, words);
  }
}

function fuzzedValue(next: () => number, fields: string[], words: string[], depth: number): unknown {
  const pick = <T,>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  const scalars = [...words, ...words, '', 'other', 'google.protobuf.Struct', true, false, 0n, 1n, -1n, 3n, 0, 1.5, null];
  const choice = next();
  if (depth <= 0 || choice < 0.5) return pick(scalars);
  if (choice < 0.75) return Array.from({ length: Math.floor(next() * 3) }, () => fuzzedValue(next, fields, words, depth - 1));
  return fuzzedObject(next, fields, words, depth - 1);
}

function fuzzedObject(next: () => number, fields: string[], words: string[], depth: number): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const field of [...fields, 'unrelated', ...(next() < 0.05 ? ['constructor', '__proto__', '$typeName'] : [])]) {
    if (next() < 0.5) {
      // As JSON.parse makes it: an own field even when it is named __proto__.
      Object.defineProperty(object, field, { value: fuzzedValue(next, fields, words, depth), enumerable: true, writable: true, configurable: true });
    }
  }
  return object;
}

describe('CEL subset', () => {
  test('the shipped table is what the committed schemas give (npm run schemas writes it)', () => {
    expect(readFileSync(join(validatorDir(), CEL_SUBSET_FILE), 'utf8')).toBe(buildCelSubsetTable(shippedSchemaDir()));
    expect(table.length).toBeGreaterThanOrEqual(15);
  });

  test.each(table)('agrees with @bufbuild/cel wherever it decides: %s', (rule, tree) => {
    const fields = new Set<string>();
    const words = new Set<string>();
    vocabulary(tree, fields, words);
    const run = library(rule);
    const next = random(rule.length * 7919);
    const decided = { true: 0, false: 0 };
    for (let i = 0; i < 10000; i++) {
      // Mostly an object at the top, which is what most rules are written for.
      const self = next() < 0.2 ? fuzzedValue(next, [...fields], [...words], 2) : fuzzedObject(next, [...fields], [...words], 2);
      const result = evaluateSubset(tree, self);
      if (result === DEFERRED) continue;
      const answer = typeof result === 'boolean' ? result : undefined;
      const expected = run(self as CelInput);
      if (answer !== expected) throw new Error(`${rule} with self = ${JSON.stringify(self, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}: subset ${answer}, @bufbuild/cel ${expected}`);
      if (answer !== undefined) decided[String(answer) as 'true' | 'false']++;
    }
    // Not a test that passes by deferring everything: each rule is decided both ways, many times.
    expect(decided.true).toBeGreaterThan(20);
    expect(decided.false).toBeGreaterThan(20);
  });

  test('decides the cases it is sure of, as @bufbuild/cel does', () => {
    const rule = "!has(self.builtinLocale) || self.localeProvider == 'builtin'";
    expect(subset(rule, {})).toBe(true);
    expect(subset(rule, { builtinLocale: 'C', localeProvider: 'builtin' })).toBe(true);
    expect(subset(rule, { builtinLocale: 'C', localeProvider: 'icu' })).toBe(false);
    expect(subset('self.standbyNames.size() == 0 && size(self.standbyNames) <= 1', { standbyNames: [] })).toBe(true);
    expect(subset('self > 0', 0n)).toBe(false);
    expect(subset('has(self.a) != has(self.b)', { a: 'x' })).toBe(true);
    expect(subset("self.kind == 'A'", { kind: 'A' })).toBe(library("self.kind == 'A'")({ kind: 'A' }));
  });

  test('defers what @bufbuild/cel must decide: missing fields, nulls, other types, doubles, non-plain objects', () => {
    // @bufbuild/cel: a missing field is an error; has() on a null is false but a select gives null; 1 == 1.0.
    expect(subset("self.localeProvider == 'icu'", {})).toBe(DEFERRED);
    expect(subset('has(self.a)', { a: null })).toBe(DEFERRED);
    expect(subset("self.kind == 'A'", { kind: 1n })).toBe(DEFERRED);
    expect(subset('self > 0', 1.5)).toBe(DEFERRED);
    expect(subset('has(self.a)', 'text')).toBe(DEFERRED);
    expect(subset('has(self.a)', new Map([['a', 1n]]))).toBe(DEFERRED);
    // An own `constructor` field (from JSON) is not a map to @bufbuild/cel's `toCel`, which tests constructor.name.
    expect(subset('has(self.a)', JSON.parse('{"a": "x", "constructor": "y"}'))).toBe(DEFERRED);
    expect(subset('has(self.b.a)', { b: JSON.parse('{"a": "x", "constructor": "y"}') })).toBe(DEFERRED);
    // A `$typeName` string makes an object a protobuf message to @bufbuild/cel (a Struct is read from `.fields`).
    const struct = { $typeName: 'google.protobuf.Struct', fields: {}, builtinLocale: 'C', localeProvider: 'icu' };
    expect(library("!has(self.builtinLocale) || self.localeProvider == 'builtin'")(struct as unknown as CelInput)).toBe(true);
    expect(subset("!has(self.builtinLocale) || self.localeProvider == 'builtin'", struct)).toBe(DEFERRED);
    expect(subset('!self', 'text')).toBe(DEFERRED);
    expect(subset('size(self)', 'text')).toBe(DEFERRED);
    // Deferred before the answer: `error || true` is true to @bufbuild/cel, but the subset does not look past it.
    expect(subset('self.missing || true', {})).toBe(DEFERRED);
    expect(library('self.missing || true')({} as CelInput)).toBe(true);
    // Stopped at the answer, as @bufbuild/cel stops: `false && error` is false.
    expect(subset('false && self.missing', {})).toBe(false);
    expect(library('false && self.missing')({} as CelInput)).toBe(false);
  });

  test('leaves out of the table every rule with anything outside the subset', () => {
    for (const rule of ['oldSelf == self', 'self.all(e, e > 0)', '[has(self.a)].size() == 1', "'a' in self", 'self < 1.0', 'self == null', 'self.matches("x")', 'self.x.y(1)', 'self ? true : false']) {
      expect([rule, subsetExpr(parse(rule).expr)]).toEqual([rule, undefined]);
    }
  });

  test('the shipped example validates without loading @bufbuild/cel, and a rule outside the subset loads it', () => {
    jest.isolateModules(() => {
      jest.doMock('@bufbuild/cel', () => {
        throw new Error('@bufbuild/cel was loaded');
      });
      const { ManifestValidator } = require('../../lib/validate/manifest-validator') as typeof import('../../lib/validate/manifest-validator');
      const { SchemaRegistry } = require('../../lib/validate/schema-registry') as typeof import('../../lib/validate/schema-registry');
      const { synthesizeSovereign } = require('../../lib/sovereign/synthesize') as typeof import('../../lib/sovereign/synthesize');
      const { loadSovereignConfig } = require('../../lib/sovereign/sovereign-config') as typeof import('../../lib/sovereign/sovereign-config');
      const { evaluateCelRule } = require('../../lib/validate/cel-rules') as typeof import('../../lib/validate/cel-rules');
      const output = synthesizeSovereign(loadSovereignConfig(join(EXAMPLES, 'omantel.yaml'), { env: {} }));
      const validator = new ManifestValidator(SchemaRegistry.shipped());
      expect(output.regions.flatMap((region) => region.objects).some((object) => object.kind === 'Cluster')).toBe(true);
      expect(output.regions.flatMap((region) => validator.validateObjects(region.objects))).toEqual([]);
      expect(evaluateCelRule("!has(self.icuRules) || self.localeProvider == 'icu'", { icuRules: 'x', localeProvider: 'libc' })).toBe(false);
      expect(() => evaluateCelRule('self.all(e, e > 0)', [1n])).toThrow('@bufbuild/cel was loaded');
      jest.dontMock('@bufbuild/cel');
    });
  });
});
