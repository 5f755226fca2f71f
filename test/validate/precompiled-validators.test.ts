import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildManifestValidators } from '../../scripts/manifest-validators';

// The validators that ship precompiled are what the committed schemas compile to: regenerating them from
// schema/manifests/ (no ../shared needed) gives the committed files byte for byte. The validator tests run on them,
// so every violation message is the one ajv's compiler would give.
test('schema/validators/ is current with schema/manifests/ (run `npm run schemas` when it is not)', () => {
  const root = join(__dirname, '..', '..');
  const fresh = buildManifestValidators(join(root, 'schema', 'manifests'));
  const dir = join(root, 'schema', 'validators');
  const committed = readdirSync(dir).filter((file) => file !== 'runtime.js').sort();
  expect(committed).toEqual([...fresh.keys()].sort());
  for (const [file, code] of fresh) expect(readFileSync(join(dir, file), 'utf8') === code ? file : `${file} is stale`).toBe(file);
});
