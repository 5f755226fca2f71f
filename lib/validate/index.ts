/** @module sovereign-cdk8s/validate */
// The `sovereign-cdk8s/validate` entry point: the manifest validator lives apart from the main entry so that
// importing the constructs never loads the schemas, ajv or the CEL evaluator.
export { ManifestValidator } from './manifest-validator';
export type { ValidationResult } from './manifest-validator';
export { SchemaRegistry } from './schema-registry';
export type { KindSchema, SchemaRegistryOptions } from './schema-registry';
export type { JsonSchema } from './stricten';
export { formatViolation } from './violation';
export type { Violation } from './violation';
