// The floor the benchmark compares against: plain node with cdk8s, cdk8s-plus-28 and constructs loaded (what any
// cdk8s app pays at start-up), writing the same objects one file each with the yaml package, plus a kustomization
// per region, as the library's output writer does. Usage: node bench/floor.cjs OBJECTS.json OUTDIR
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
require('constructs');
require('cdk8s');
require('cdk8s-plus-28');
const { stringify } = require('yaml');

const [input, outDir] = process.argv.slice(2);
for (const { region, objects } of JSON.parse(readFileSync(input, 'utf8'))) {
  mkdirSync(join(outDir, region), { recursive: true });
  const resources = [];
  for (const object of objects) {
    const name = `${[object.kind.toLowerCase(), object.metadata.namespace, object.metadata.name].filter(Boolean).join('_')}.yaml`;
    writeFileSync(join(outDir, region, name), stringify(object, { lineWidth: 0, aliasDuplicateObjects: false }));
    resources.push(name);
  }
  writeFileSync(join(outDir, region, 'kustomization.yaml'), stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources }));
}
