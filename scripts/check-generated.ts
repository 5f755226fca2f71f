// Fails (exit 1) while a committed generated file differs from what its generator writes now, naming each stale
// file and the command that fixes it. Needs ../shared/crds (or $SOVEREIGN_CRDS): CI has it; a missing one is an
// error, never a skip, since a check that did not run must not pass.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CONFIG_SCHEMA_FILE, configJsonSchemaText } from '../lib/sovereign/config-json-schema';
import { MANIFEST_SCHEMA_DIR } from '../lib/validate/shipped-schemas';
import { writeManifestSchemas } from './generate-manifest-schemas';
import { buildManifestValidators } from './manifest-validators';
import { sourceCrdDirectory } from './manifest-schemas';

const ROOT = join(__dirname, '..');

/** Files under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/** Committed manifest schemas that are missing, extra or different from a fresh generation. */
function staleManifestSchemas(): string[] {
  const fresh = mkdtempSync(join(tmpdir(), 'manifest-schemas-'));
  try {
    writeManifestSchemas(fresh, sourceCrdDirectory());
    const committed = join(ROOT, MANIFEST_SCHEMA_DIR);
    const files = [...new Set([...filesUnder(fresh), ...filesUnder(committed)])].sort();
    const read = (dir: string, file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : undefined);
    return files.filter((file) => read(fresh, file) !== read(committed, file)).map((file) => join(MANIFEST_SCHEMA_DIR, file));
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}

/** Committed precompiled validators that differ from what the committed schemas compile to now. */
function staleManifestValidators(): string[] {
  const dir = join(ROOT, 'schema', 'validators');
  const fresh = buildManifestValidators(join(ROOT, MANIFEST_SCHEMA_DIR));
  const committed = filesUnder(dir).filter((file) => file !== 'runtime.js');
  const files = [...new Set([...fresh.keys(), ...committed])].sort();
  return files.filter((file) => fresh.get(file) !== (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : undefined)).map((file) => join('schema', 'validators', file));
}

function staleConfigSchema(): string[] {
  const file = join(ROOT, CONFIG_SCHEMA_FILE);
  return existsSync(file) && readFileSync(file, 'utf8') === configJsonSchemaText() ? [] : [CONFIG_SCHEMA_FILE];
}

try {
  const stale = [
    ...staleManifestSchemas().map((f) => `${f} (run: npm run schemas)`),
    ...staleManifestValidators().map((f) => `${f} (run: npm run schemas)`),
    ...staleConfigSchema().map((f) => `${f} (run: npm run schema)`),
  ];
  if (stale.length > 0) {
    console.error(`stale generated files:\n${stale.map((s) => `  ${s}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('generated files are current');
  }
} catch (error) {
  console.error(`check:generated failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
