// Writes schema/manifests/ (the validator's shipped schemas) from the pinned upstream schemas in ../shared/crds
// or $SOVEREIGN_CRDS. Run `npm run schemas` after changing scripts/manifest-kinds.ts or the upstream pins;
// `npm run check:generated` fails while the committed files are stale.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MANIFEST_SCHEMA_DIR } from '../lib/validate/shipped-schemas';
import { buildManifestSchemas, sourceCrdDirectory } from './manifest-schemas';

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

if (require.main === module) {
  const count = writeManifestSchemas(join(__dirname, '..', MANIFEST_SCHEMA_DIR), sourceCrdDirectory());
  console.log(`wrote ${count} files to ${MANIFEST_SCHEMA_DIR}`);
}
