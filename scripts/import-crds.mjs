// Regenerates imports/ from the pinned upstream CRDs in ../shared/crds (or $SOVEREIGN_CRDS).
// One output file per CRD: `cdk8s import NAME:=path` keeps CRDs of one API group from overwriting each other.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const root = join(import.meta.dirname, '..');
const crdRoot = resolve(process.env.SOVEREIGN_CRDS ?? join(root, '..', 'shared', 'crds'));
if (!existsSync(crdRoot)) {
  console.error(`CRD directory not found: ${crdRoot}. Set SOVEREIGN_CRDS to the folder holding the vendored CRDs.`);
  process.exit(1);
}

const sources = readdirSync(crdRoot, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'kubernetes')
  .flatMap((dir) =>
    readdirSync(join(crdRoot, dir.name))
      .filter((file) => file.endsWith('.yaml'))
      .map((file) => join(crdRoot, dir.name, file)),
  )
  .sort();

// "postgresql.cnpg.io_clusters.yaml" -> "clusters"; Cilium files carry no group prefix.
const moduleName = (file) => basename(file, '.yaml').replace(/^.*_/, '');

// The CLI imports only the first of several specs given at once, so run it once per CRD. It records each import in
// cdk8s.yaml, with this machine's paths; the project's cdk8s.yaml is kept as it is.
const cli = join(root, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
const cdk8sYaml = readFileSync(join(root, 'cdk8s.yaml'), 'utf8');
try {
  for (const file of sources) {
    execFileSync(
      process.execPath,
      [cli, 'import', '--no-check-upgrade', '--language', 'typescript', '--output', 'imports', `${moduleName(file)}:=${file}`],
      { stdio: 'inherit', cwd: root },
    );
  }
} finally {
  writeFileSync(join(root, 'cdk8s.yaml'), cdk8sYaml);
}

// Every generated toJson_* drops undefined fields by spreading the result into a new object once per field, which
// is quadratic in the field count (about 60 for a CNPG ClusterSpec) and about a tenth of synth at 10,000 pairs. The
// same filter as one loop: same keys, same order, same values.
const QUADRATIC_FILTER = 'return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});';
const LINEAR_FILTER = 'const filtered: { [key: string]: any } = {};\n  for (const key in result) {\n    const value = (result as { [key: string]: any })[key];\n    if (value !== undefined) filtered[key] = value;\n  }\n  return filtered;';
// Every generated class renders through lib/output/fast-api-object.ts, which gives what cdk8s's ApiObject.toJson()
// gives in one pass instead of three (and leaves anything unusual to cdk8s).
const CDK8S_IMPORT = "import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s';";
const FAST_IMPORT = "import { ApiObjectMetadata, GroupVersionKind } from 'cdk8s';\nimport { FastApiObject } from '../lib/output/fast-api-object';";
for (const file of readdirSync(join(root, 'imports')).filter((f) => f.endsWith('.ts'))) {
  const path = join(root, 'imports', file);
  const source = readFileSync(path, 'utf8');
  if (!source.includes(CDK8S_IMPORT)) throw new Error(`${file}: cdk8s import no longer writes "${CDK8S_IMPORT}"; update ${import.meta.filename}`);
  writeFileSync(path, source.replaceAll(QUADRATIC_FILTER, LINEAR_FILTER).replace(CDK8S_IMPORT, FAST_IMPORT).replaceAll(' extends ApiObject {', ' extends FastApiObject {'));
}
