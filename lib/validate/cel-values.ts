import type { CelInput } from '@bufbuild/cel';
import type { JsonSchema } from './stricten';

/**
 * Converts a manifest value into the CEL value the API server would bind for it. Kubernetes CEL types a field
 * by its schema: `type: integer` (and an int-or-string holding a number) is `int`, `type: number` is `double`.
 * JavaScript has one number type, so integers become `bigint`; otherwise `self.replicas % 2 == 0` or
 * `self.port > 0` would fail with "no such overload" instead of evaluating. Values the schema does not describe
 * (preserved unknown fields) keep JSON's own distinction: a whole number is an `int`.
 */
export function toCelValue(schema: JsonSchema | undefined, value: unknown): CelInput {
  if (Array.isArray(value)) {
    const items = schema?.items as JsonSchema | undefined;
    return value.map((item) => toCelValue(items, item));
  }
  if (typeof value === 'object' && value !== null) {
    const properties = schema?.properties as Record<string, JsonSchema> | undefined;
    const additional = typeof schema?.additionalProperties === 'object' ? (schema.additionalProperties as JsonSchema) : undefined;
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, toCelValue(properties?.[key] ?? additional, child)]));
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) && schema?.type !== 'number' ? BigInt(value) : value;
  }
  return value as CelInput;
}
