import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validatorDir } from './shipped-schemas';

// Most CRD rules are presence and equality tests (`!has(self.a) || self.b == 'x'`). Loading @bufbuild/cel costs
// 70-100 ms of a `validate` run, about a third of it on the shipped example, whose objects reach only such rules. So
// `npm run schemas` parses every shipped rule with @bufbuild/cel and stores, for each rule inside the subset below, the
// parsed tree (scripts/cel-subset-table.ts); this file evaluates those trees. It gives an answer only where it gives
// @bufbuild/cel 0.6.1's own (test/validate/cel-subset.test.ts compares both on every stored rule and on fuzzed
// values); anything else (a missing field, a null, a value of another type, a non-plain object) is DEFERRED and the
// rule is run by @bufbuild/cel itself.

/** The stored subset trees, beside the precompiled validators: rule text -> tree. */
export const CEL_SUBSET_FILE = 'cel-subset.json';

/** Calls of the subset, by their CEL names (cel-spec operators, and `size` as function or method). */
export const SUBSET_CALLS = ['!_', '_&&_', '_||_', '_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_', 'size'] as const;
export type SubsetCall = (typeof SUBSET_CALLS)[number];

/**
 * A parsed rule inside the subset: `self`; a string or bool constant; an int constant (decimal text, as JSON has no
 * bigint); a field select or a `has()` test on a field; a call. Method calls (`x.size()`) store the target first.
 */
export type SubsetExpr =
  | readonly ['self']
  | readonly ['const', string | boolean]
  | readonly ['int', string]
  | readonly ['select', SubsetExpr, string]
  | readonly ['has', SubsetExpr, string]
  | readonly ['call', SubsetCall, readonly SubsetExpr[]];

/** Returned where @bufbuild/cel is to decide. */
export const DEFERRED = Symbol('deferred to @bufbuild/cel');
// A double (a `number`: integers are bigints, lib/validate/cel-values.ts) can be selected and tested for presence;
// comparing it is left to @bufbuild/cel.
type Value = string | boolean | bigint | number | readonly unknown[] | Readonly<Record<string, unknown>>;
type Result = Value | typeof DEFERRED;

// A map as @bufbuild/cel 0.6.1 reads a CelInput object: `toCel` (dist/cjs/value.js) turns an object whose
// `constructor.name` is "Object" into `celMap(new Map(Object.entries(v)))`, so its fields are the own enumerable string
// keys. Two string keys change that: a `$typeName` string makes it a protobuf message first (@bufbuild/protobuf
// `isMessage`), and an own `constructor` changes the test; such objects are left to it.
const isPlainObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' &&
  value !== null &&
  Object.getPrototypeOf(value) === Object.prototype &&
  !Object.hasOwn(value, 'constructor') &&
  !Object.hasOwn(value, '$typeName');

// The value of a present field, or undefined. @bufbuild/cel's NativeMap.has is `get(key) != undefined` (dist/cjs/map.js),
// so a null field is absent to has() but present to a select: a null is deferred rather than told apart here.
function field(object: unknown, name: string): Value | undefined {
  if (!isPlainObject(object) || !Object.prototype.propertyIsEnumerable.call(object, name)) return undefined;
  const value = object[name];
  return isValue(value) ? value : undefined;
}

const isValue = (value: unknown): value is Value =>
  ['string', 'boolean', 'bigint', 'number'].includes(typeof value) || Array.isArray(value) || isPlainObject(value);

/** The rule's value with `self` bound, or DEFERRED. */
export function evaluateSubset(expr: SubsetExpr, self: unknown): Result {
  switch (expr[0]) {
    case 'self':
      return isValue(self) ? self : DEFERRED;
    case 'const':
      return expr[1];
    case 'int':
      return BigInt(expr[1]);
    case 'select': {
      const operand = evaluateSubset(expr[1], self);
      return operand === DEFERRED ? DEFERRED : (field(operand, expr[2]) ?? DEFERRED);
    }
    case 'has': {
      const operand = evaluateSubset(expr[1], self);
      if (!isPlainObject(operand)) return DEFERRED;
      if (!Object.prototype.propertyIsEnumerable.call(operand, expr[2])) return false;
      return isValue(operand[expr[2]]) ? true : DEFERRED;
    }
    case 'call':
      return call(expr[1], expr[2], self);
  }
}

function call(name: SubsetCall, args: readonly SubsetExpr[], self: unknown): Result {
  // @bufbuild/cel's EvalAnd/EvalOr (dist/cjs/planner.js) go left to right and stop at the first false (true);
  // an argument before it that is an error or not a bool would not change that answer, but is deferred here.
  if (name === '_&&_' || name === '_||_') {
    const stop = name === '_||_';
    for (const arg of args) {
      const value = evaluateSubset(arg, self);
      if (typeof value !== 'boolean') return DEFERRED;
      if (value === stop) return stop;
    }
    return !stop;
  }
  const values: Value[] = [];
  for (const arg of args) {
    const value = evaluateSubset(arg, self);
    if (value === DEFERRED) return DEFERRED;
    values.push(value);
  }
  if (name === '!_') return typeof values[0] === 'boolean' ? !values[0] : DEFERRED;
  if (name === 'size') return Array.isArray(values[0]) ? BigInt(values[0].length) : DEFERRED;
  const [left, right] = values;
  // Only a string, bool or int against one of the same type: CEL's cross-type equality and ordering are left to it.
  if (typeof left !== typeof right || (typeof left !== 'string' && typeof left !== 'boolean' && typeof left !== 'bigint')) return DEFERRED;
  switch (name) {
    case '_==_':
      return left === right;
    case '_!=_':
      return left !== right;
  }
  if (typeof left !== 'bigint') return DEFERRED;
  const [a, b] = [left, right as bigint];
  switch (name) {
    case '_<_':
      return a < b;
    case '_<=_':
      return a <= b;
    case '_>_':
      return a > b;
    case '_>=_':
      return a >= b;
  }
}

let shipped: Map<string, SubsetExpr> | undefined;

/** The subset tree of a rule, from the shipped table (read on first use), or undefined. */
export function subsetTree(rule: string): SubsetExpr | undefined {
  shipped ??= new Map(Object.entries(JSON.parse(readFileSync(join(validatorDir(), CEL_SUBSET_FILE), 'utf8')) as Record<string, SubsetExpr>));
  return shipped.get(rule);
}
