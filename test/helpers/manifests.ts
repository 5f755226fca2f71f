import { findCrdDirectory } from '../../lib/validate/crd-directory';
import { ManifestValidator } from '../../lib/validate/manifest-validator';
import { formatViolation } from '../../lib/validate/violation';
import type { SovereignOutput } from '../../lib/sovereign/synthesize';

let validator: ManifestValidator | undefined;
let warned = false;

/**
 * The validator over the vendored schemas (../shared/crds or $SOVEREIGN_CRDS). They live outside the repo:
 * locally a missing folder skips validation with a visible warning; under CI it is a failure.
 */
export function sharedValidator(): ManifestValidator | undefined {
  if (validator !== undefined) return validator;
  const crds = findCrdDirectory(undefined, process.env);
  if (crds === undefined) {
    if (process.env.CI) {
      throw new Error('CI is set but no schema folder was found (../shared/crds or $SOVEREIGN_CRDS): manifests cannot be validated');
    }
    if (!warned) {
      console.warn('SKIPPED manifest validation: ../shared/crds not found and $SOVEREIGN_CRDS not set');
      warned = true;
    }
    return undefined;
  }
  validator = ManifestValidator.fromDirectory(crds);
  return validator;
}

/** Asserts that every object passes the project's manifest validator (strict schema, Pod Security, no secrets). */
export function expectValidManifests(objects: readonly unknown[]): void {
  const v = sharedValidator();
  if (v === undefined) return;
  expect(v.validateObjects(objects).map(formatViolation)).toEqual([]);
}

/** Validates every region of a synthesized Sovereign. */
export function expectValidSovereign(output: SovereignOutput): void {
  expectValidManifests(output.regions.flatMap((r) => r.objects));
}
