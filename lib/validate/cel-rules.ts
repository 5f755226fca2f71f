import type { CelEnv, CelInput, CelResult } from '@bufbuild/cel';
import { DEFERRED, evaluateSubset, subsetTree } from './cel-subset';
import { toCelValue } from './cel-values';
import type { Violation } from './violation';
import type { JsonSchema } from './stricten';

interface CelRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
}
type Program = (bindings: { self: CelInput }) => CelResult;
type CelLibrary = typeof import('@bufbuild/cel');

// @bufbuild/cel loads on the first rule outside the subset lib/validate/cel-subset.ts evaluates: loading it is 70-100 ms.
let library: { cel: CelLibrary; env: CelEnv } | undefined;
function celLibrary(): { cel: CelLibrary; env: CelEnv } {
  if (library === undefined) {
    const cel = require('@bufbuild/cel') as CelLibrary;
    const { strings } = require('@bufbuild/cel/ext') as typeof import('@bufbuild/cel/ext');
    // Kubernetes CEL includes the strings extension (lowerAscii, indexOf, ...). Its own libraries (quantity, url,
    // format, ...) are not available here: a rule calling them evaluates to an error and is skipped.
    library = { cel, env: cel.celEnv({ funcs: strings }) };
  }
  return library;
}
// One plan per distinct rule: the same CRD rules run for every object and every array item.
const programs = new Map<string, Program | undefined>();

/**
 * The result of one rule with `self` bound: true or false, or undefined when the rule cannot be run here (a
 * parse error, an unsupported function, a type error). Only an evaluated `false` proves a violation.
 */
export function evaluateCelRule(rule: string, self: CelInput): boolean | undefined {
  const tree = subsetTree(rule);
  const subset = tree === undefined ? DEFERRED : evaluateSubset(tree, self);
  if (subset !== DEFERRED) return typeof subset === 'boolean' ? subset : undefined;
  if (!programs.has(rule)) {
    const { cel, env } = celLibrary();
    let program: Program | undefined;
    try {
      program = cel.plan(env, cel.parse(rule)) as Program;
    } catch {
      program = undefined;
    }
    programs.set(rule, program);
  }
  const result = programs.get(rule)?.({ self });
  return typeof result === 'boolean' ? result : undefined;
}

/**
 * Evaluates the CRD's `x-kubernetes-validations` rules against an object, walking schema and value together.
 * Transition rules (`oldSelf`) need a previous object and are skipped.
 */
export function checkCelRules(schema: JsonSchema, value: unknown, object: string): Violation[] {
  return checkAt(schema, toCelValue(schema, value), object, '');
}

function checkAt(schema: JsonSchema, value: CelInput, object: string, path: string): Violation[] {
  if (value === undefined || value === null) {
    return [];
  }
  const violations: Violation[] = [];
  for (const rule of (schema['x-kubernetes-validations'] as CelRule[] | undefined) ?? []) {
    if (!rule.rule.includes('oldSelf') && evaluateCelRule(rule.rule, value) === false) {
      violations.push({ object, path, rule: 'cel', message: rule.message ?? `failed rule: ${rule.rule}` });
    }
  }
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (Array.isArray(value)) {
    const items = schema.items as JsonSchema | undefined;
    if (items !== undefined) {
      value.forEach((item, index) => violations.push(...checkAt(items, item as CelInput, object, `${path}[${index}]`)));
    }
  } else if (typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, CelInput>)) {
      const childSchema = properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as JsonSchema) : undefined);
      if (childSchema !== undefined) {
        violations.push(...checkAt(childSchema, child, object, path === '' ? key : `${path}.${key}`));
      }
    }
  }
  return violations;
}
