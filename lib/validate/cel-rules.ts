import { evaluate } from '@marcbachmann/cel-js';
import type { Violation } from './violation';

type JsonSchema = { [key: string]: unknown };
interface CelRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
}

/**
 * Evaluates the CRD's `x-kubernetes-validations` rules against an object, walking schema and value together.
 * Transition rules (`oldSelf`) need a previous object and are skipped; so is a rule the evaluator cannot
 * run (an unsupported function), since only an evaluated `false` proves a violation.
 */
export function checkCelRules(schema: JsonSchema, value: unknown, object: string, path = ''): Violation[] {
  if (value === undefined || value === null) {
    return [];
  }
  const violations: Violation[] = [];
  for (const rule of (schema['x-kubernetes-validations'] as CelRule[] | undefined) ?? []) {
    if (rule.rule.includes('oldSelf')) {
      continue;
    }
    let result: unknown;
    try {
      result = evaluate(rule.rule, { self: value });
    } catch {
      continue;
    }
    if (result === false) {
      violations.push({ object, path, rule: 'cel', message: `${rule.message ?? `failed rule: ${rule.rule}`}` });
    }
  }
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (Array.isArray(value)) {
    const items = schema.items as JsonSchema | undefined;
    if (items !== undefined) {
      value.forEach((item, index) => violations.push(...checkCelRules(items, item, object, `${path}[${index}]`)));
    }
  } else if (typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const childSchema = properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as JsonSchema) : undefined);
      if (childSchema !== undefined) {
        violations.push(...checkCelRules(childSchema, child, object, path === '' ? key : `${path}.${key}`));
      }
    }
  }
  return violations;
}
