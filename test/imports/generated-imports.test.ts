import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from '../../imports/clusters-postgresql.cnpg.io';
import { App, Chart } from 'cdk8s';
import { definedEntries } from '../../lib/output/defined-entries';
import { FastApiObject } from '../../lib/output/fast-api-object';

// `npm run import` makes the generated converters linear (only defined fields are set; maps go through
// definedEntries) and bases every generated class on FastApiObject (scripts/import-crds.mjs). A plain `cdk8s import`
// would undo both without changing any output; this catches that.
const IMPORTS = join(__dirname, '..', '..', 'imports');

describe('generated imports', () => {
  test('no generated converter copies its result once per field', () => {
    const files = readdirSync(IMPORTS).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const source = readFileSync(join(IMPORTS, file), 'utf8');
      expect([file, source.includes('.reduce('), source.includes('// filter undefined values'), source.includes("if ((field = ")]).toEqual([file, false, false, true]);
    }
  });

  test('every generated class renders through FastApiObject', () => {
    for (const file of readdirSync(IMPORTS).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(IMPORTS, file), 'utf8');
      expect([file, /extends ApiObject\b/.test(source), source.includes(' extends FastApiObject {')]).toEqual([file, false, true]);
    }
    expect(Object.getPrototypeOf(Cluster)).toBe(FastApiObject);
  });

  test('a map drops undefined entries and keeps the others in order', () => {
    const chart = new Chart(new App(), 'c');
    const cluster = new Cluster(chart, 'db', { metadata: { name: 'db' }, spec: { instances: 1, affinity: { nodeSelector: { zone: 'a', gone: undefined as unknown as string, arch: 'arm64' } } } });
    const json = cluster.toJson() as { spec: { affinity: { nodeSelector: Record<string, string> } } };
    expect(Object.entries(json.spec.affinity.nodeSelector)).toEqual([['arch', 'arm64'], ['zone', 'a']]);
    expect(definedEntries<number | undefined, number>({ b: 1, a: undefined, c: 2 }, (value) => value! * 10)).toEqual({ b: 10, c: 20 });
    expect(Object.keys(definedEntries({ b: 1, a: 3 }))).toEqual(['b', 'a']);
    const withProto = definedEntries(JSON.parse('{"__proto__": 1, "x": 2}') as Record<string, number>);
    expect([Object.getPrototypeOf(withProto), Object.keys(withProto)]).toEqual([Object.prototype, ['__proto__', 'x']]);
  });

  test('the converter drops undefined fields and keeps the generated field order', () => {
    const chart = new Chart(new App(), 'c');
    const cluster = new Cluster(chart, 'db', { metadata: { name: 'db' }, spec: { instances: 2, imageName: undefined, description: 'd', enablePdb: false } });
    const json = cluster.toJson() as { spec: Record<string, unknown> };
    expect(Object.keys(json)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(json.spec).toEqual({ description: 'd', enablePDB: false, instances: 2 });
    expect(Object.keys(json.spec)).toEqual(['description', 'enablePDB', 'instances']);
  });
});
