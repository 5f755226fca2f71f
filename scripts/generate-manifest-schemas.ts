// Writes schema/manifests/ (the validator's shipped schemas) from the pinned upstream schemas in ../shared/crds
// or $SOVEREIGN_CRDS. Run `npm run schemas` after changing scripts/manifest-kinds.ts or the upstream pins;
// `npm run check:generated` fails while the committed files are stale.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MANIFEST_SCHEMA_DIR, validatorDir } from '../lib/validate/shipped-schemas';
import { buildManifestSchemas, sourceCrdDirectory } from './manifest-schemas';
import { buildManifestValidators } from './manifest-validators';

/** Replaces `target` with exactly the generated files; returns how many were written. */
export function writeManifestSchemas(target: string, sourceDir: string): number {
  const files = buildManifestSchemas(sourceDir);
  rmSync(target, { recursive: true, force: true });
  for (const [file, text] of files) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    writeFileSync(join(target, file), text);
  }
  return files.size;
}

/** Replaces the precompiled validators of `schemaDir` (all but the hand-written runtime.js); returns how many were written. */
export function writeManifestValidators(schemaDir: string): number {
  const target = validatorDir(schemaDir);
  for (const entry of readdirSync(target)) if (entry !== 'runtime.js') rmSync(join(target, entry), { recursive: true, force: true });
  const files = buildManifestValidators(schemaDir);
  for (const [file, text] of files) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    writeFileSync(join(target, file), text);
  }
  return files.size;
}

if (require.main === module) {
  const schemaDir = join(__dirname, '..', MANIFEST_SCHEMA_DIR);
  const count = writeManifestSchemas(schemaDir, sourceCrdDirectory());
  const validators = writeManifestValidators(schemaDir);
  console.log(`wrote ${count} files to ${MANIFEST_SCHEMA_DIR} and ${validators} precompiled validators to schema/validators`);
}
