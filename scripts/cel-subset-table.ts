// Builds schema/validators/cel-subset.json: every CEL rule of the shipped CRD schemas that lies inside the subset
// lib/validate/cel-subset.ts evaluates, as @bufbuild/cel's own parser reads it. Derived from the committed schemas
// alone, like the precompiled ajv validators beside it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@bufbuild/cel';
import { SUBSET_CALLS, type SubsetCall, type SubsetExpr } from '../lib/validate/cel-subset';
import { INDEX_FILE, type ManifestSchemaIndex } from '../lib/validate/shipped-schemas';

type Expr = ReturnType<typeof parse>['expr'];

/** The subset tree of a parsed expression, or undefined when any part of it lies outside the subset. */
export function subsetExpr(expr: Expr): SubsetExpr | undefined {
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'identExpr':
      return kind.value.name === 'self' ? ['self'] : undefined;
    case 'constExpr': {
      const constant = kind.value.constantKind;
      if (constant.case === 'stringValue' || constant.case === 'boolValue') return ['const', constant.value];
      return constant.case === 'int64Value' ? ['int', constant.value.toString()] : undefined;
    }
    case 'selectExpr': {
      const operand = kind.value.operand === undefined ? undefined : subsetExpr(kind.value.operand);
      return operand === undefined ? undefined : [kind.value.testOnly ? 'has' : 'select', operand, kind.value.field];
    }
    case 'callExpr': {
      const { function: name, target, args } = kind.value;
      if (!(SUBSET_CALLS as readonly string[]).includes(name)) return undefined;
      const operands = [...(target === undefined ? [] : [target]), ...args].map(subsetExpr);
      if (operands.some((operand) => operand === undefined)) return undefined;
      const arity = name === '!_' || name === 'size' ? 1 : 2;
      return operands.length === arity ? ['call', name as SubsetCall, operands as SubsetExpr[]] : undefined;
    }
    default:
      return undefined;
  }
}

/** Every `x-kubernetes-validations` rule in a schema. */
function rulesOf(schema: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(schema)) {
    for (const item of schema) rulesOf(item, into);
  } else if (typeof schema === 'object' && schema !== null) {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'x-kubernetes-validations' && Array.isArray(value)) for (const { rule } of value as { rule: string }[]) into.add(rule);
      else rulesOf(value, into);
    }
  }
  return into;
}

/** The table's JSON text: rule -> tree, one rule per line, sorted. Rules @bufbuild/cel cannot parse are left out. */
export function buildCelSubsetTable(schemaDir: string): string {
  const index = JSON.parse(readFileSync(join(schemaDir, INDEX_FILE), 'utf8')) as ManifestSchemaIndex;
  const rules = new Set<string>();
  for (const file of new Set(Object.values(index.crds))) rulesOf(JSON.parse(readFileSync(join(schemaDir, file), 'utf8')), rules);
  const lines: string[] = [];
  for (const rule of [...rules].sort()) {
    let tree: SubsetExpr | undefined;
    try {
      tree = subsetExpr(parse(rule).expr);
    } catch {
      tree = undefined;
    }
    if (tree !== undefined) lines.push(`  ${JSON.stringify(rule)}: ${JSON.stringify(tree)}`);
  }
  return `{\n${lines.join(',\n')}\n}\n`;
}
