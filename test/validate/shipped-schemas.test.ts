import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { SchemaRegistry } from '../../lib/validate/schema-registry';
import { INDEX_FILE, kindKey, type ManifestSchemaIndex, shippedSchemaDir } from '../../lib/validate/shipped-schemas';
import { CORE_KINDS, CRD_KINDS } from '../../scripts/manifest-kinds';
import { EXAMPLES } from '../helpers/configs';

// Reads only the committed schema/manifests/, never the vendored upstream sources: the package must carry what it renders.
const ROOT = join(__dirname, '..', '..');
const index = JSON.parse(readFileSync(join(shippedSchemaDir(), INDEX_FILE), 'utf8')) as ManifestSchemaIndex;

describe('shipped manifest schemas', () => {
  test('are found in the repository (the package root holds schema/ both here and in the npm tarball)', () => {
    expect(shippedSchemaDir()).toBe(join(ROOT, 'schema', 'manifests'));
  });

  test('cover exactly the kinds scripts/manifest-kinds.ts lists (run `npm run schemas` after changing it)', () => {
    expect(Object.keys(index.core).sort()).toEqual([...CORE_KINDS].sort());
    expect(Object.keys(index.crds).sort()).toEqual([...CRD_KINDS].sort());
  });

  test.each(['omantel.yaml', 'three-regions.yaml'])('have a schema for every kind the example %s renders', (example) => {
    const output = synthesizeSovereign(loadSovereignConfig(join(EXAMPLES, example), { env: {} }));
    const rendered = [...new Set(output.regions.flatMap((r) => r.objects).map((o) => kindKey(o.apiVersion, o.kind)))].sort();
    expect(rendered.filter((key) => index.core[key] === undefined && index.crds[key] === undefined)).toEqual([]);
    const registry = SchemaRegistry.shipped();
    for (const key of rendered) {
      const [apiVersion, kind] = key.split(' ');
      expect(typeof registry.schemaFor(apiVersion, kind)).toBe('object');
    }
  });

  test('record the versions the pinned CRDs no longer serve', () => {
    expect(index.unserved).toEqual(expect.arrayContaining(['external-secrets.io/v1beta1 ClusterSecretStore', 'external-secrets.io/v1beta1 ExternalSecret']));
  });

  test('record the upstream repository, path, pin and licence of every source file', () => {
    const rows = readFileSync(join(shippedSchemaDir(), 'SOURCES.md'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    // One CRD file per shipped CRD kind, plus the Kubernetes definitions.
    expect(rows).toHaveLength(CRD_KINDS.length + 1);
    for (const row of rows) expect(row).toMatch(/\| Apache-2\.0 \|$/);
  });
});
