import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from '../../imports/clusters-postgresql.cnpg.io';
import { App, Chart } from 'cdk8s';
import { FastApiObject } from '../../lib/output/fast-api-object';

// `npm run import` rewrites cdk8s import's quadratic undefined-field filter as a loop, and bases every generated class
// on FastApiObject (scripts/import-crds.mjs). A plain `cdk8s import` would undo both without changing any output;
// this catches that.
const IMPORTS = join(__dirname, '..', '..', 'imports');

describe('generated imports', () => {
  test('every generated file filters undefined fields with the linear loop', () => {
    const files = readdirSync(IMPORTS).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const source = readFileSync(join(IMPORTS, file), 'utf8');
      expect([file, source.includes('Object.entries(result).reduce(')]).toEqual([file, false]);
    }
  });

  test('every generated class renders through FastApiObject', () => {
    for (const file of readdirSync(IMPORTS).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(IMPORTS, file), 'utf8');
      expect([file, /extends ApiObject\b/.test(source), source.includes(' extends FastApiObject {')]).toEqual([file, false, true]);
    }
    expect(Object.getPrototypeOf(Cluster)).toBe(FastApiObject);
  });

  test('the loop drops undefined fields and keeps the generated field order', () => {
    const chart = new Chart(new App(), 'c');
    const cluster = new Cluster(chart, 'db', { metadata: { name: 'db' }, spec: { instances: 2, imageName: undefined, description: 'd', enablePdb: false } });
    const json = cluster.toJson() as { spec: Record<string, unknown> };
    expect(Object.keys(json)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(json.spec).toEqual({ description: 'd', enablePDB: false, instances: 2 });
    expect(Object.keys(json.spec)).toEqual(['description', 'enablePDB', 'instances']);
  });
});
