/** A JSON Schema (OpenAPI v3 / Kubernetes structural schema) node, loosely typed. */
export type JsonSchema = { [key: string]: unknown };

/**
 * Makes a schema strict the way the API server's structural schemas behave: an object's unknown fields are
 * errors unless it preserves unknown fields; int-or-string accepts both; embedded resources allow
 * apiVersion/kind/metadata.
 */
export function stricten(schema: JsonSchema, closeEmptyObjects = true, close = true): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' || key === 'definitions' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, stricten(v, closeEmptyObjects, close)]));
    } else if ((key === 'items' || key === 'additionalProperties') && isSchema(value)) {
      out[key] = stricten(value, closeEmptyObjects, close);
    } else if (key === 'not' && isSchema(value)) {
      out[key] = stricten(value, closeEmptyObjects, false);
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      // Branches only add constraints (structural schemas): the object's own properties define its fields.
      out[key] = value.map((v) => (isSchema(v) ? stricten(v, closeEmptyObjects, false) : v));
    } else {
      out[key] = value;
    }
  }
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (out['x-kubernetes-embedded-resource'] === true) {
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...(out.properties as JsonSchema) };
  }
  const isObject = out.type === 'object' || (out.type === undefined && out.properties !== undefined);
  // In a CRD, an object with no properties and no preserve-unknown-fields is pruned to {} by the server.
  const open = out['x-kubernetes-preserve-unknown-fields'] === true || out.additionalProperties !== undefined;
  const composed = out.allOf !== undefined || out.anyOf !== undefined || out.oneOf !== undefined;
  const described = out.properties !== undefined;
  if (close && isObject && !open && (described || (closeEmptyObjects && !composed))) {
    out.additionalProperties = false;
  }
  return out;
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
