import { ManifestValidator } from '../../lib/validate/manifest-validator';
import { formatViolation } from '../../lib/validate/violation';
import type { SovereignOutput } from '../../lib/sovereign/synthesize';

let validator: ManifestValidator | undefined;

/** The validator over the schemas that ship with the package, built once per test file (schemas compile lazily). */
export function sharedValidator(): ManifestValidator {
  validator ??= new ManifestValidator();
  return validator;
}

/** Asserts that every object passes the project's manifest validator (strict schema, Pod Security, no secrets). */
export function expectValidManifests(objects: readonly unknown[]): void {
  expect(sharedValidator().validateObjects(objects).map(formatViolation)).toEqual([]);
}

/** Validates every region of a synthesized Sovereign, each as its own cluster. */
export function expectValidSovereign(output: SovereignOutput): void {
  expect(output.regions.flatMap((r) => sharedValidator().validateObjects(r.objects).map((v) => `${r.region}: ${formatViolation(v)}`))).toEqual([]);
}
