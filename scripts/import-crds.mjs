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

// The generated converters, made linear (they run for every field of every object at synth):
// - each toJson_* builds an object with every field of its schema (about 60 for a CNPG ClusterSpec), then drops the
//   undefined ones by spreading the result into a new object once per field, which is quadratic. It now sets only
//   the defined fields, in the same order: same keys, same order, same values.
// - each map of a schema (labels, selectors) is filtered the same way, by `definedEntries` (lib/output/defined-entries.ts).
// Every generated class renders through lib/output/fast-api-object.ts, which gives what cdk8s's ApiObject.toJson()
// gives in one pass instead of three (and leaves anything unusual to cdk8s).
const CONVERTER = /  const result = \{\n((?:    '[^'\n]+': .*,\n)*)  \};\n  \/\/ filter undefined values\n  return Object\.entries\(result\)\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: i\[1\] \}\), \{\}\);/g;
const MAP_FILTER = /Object\.entries\(([^()]+)\)\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: (.+?) \}\), \{\}\)/g;
const CDK8S_IMPORT = "import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s';";
// What replaces it; the definedEntries import only where a map filter was rewritten.
const importsFor = (source) => [
  "import { ApiObjectMetadata, GroupVersionKind } from 'cdk8s';",
  ...(source.includes('definedEntries(') ? ["import { definedEntries } from '../lib/output/defined-entries';"] : []),
  "import { FastApiObject } from '../lib/output/fast-api-object';",
].join('\n');

function linearConverter(_match, fields) {
  const lines = fields === '' ? [] : fields.slice(0, -1).split('\n');
  const assignments = lines.map((line) => {
    const [, key, expression] = /^    '([^']+)': (.*),$/.exec(line);
    // An integer-like key would come first in the old object whatever its place; `field` must not be captured.
    if (/^\d+$/.test(key) || key === '__proto__' || /(?<![.\w])field\b/.test(expression)) throw new Error(`cannot rewrite the converter field '${key}': ${expression}`);
    return `  if ((field = ${expression}) !== undefined) result['${key}'] = field;`;
  });
  return ['  const result: { [key: string]: any } = {};', ...(lines.length > 0 ? ['  let field: any;'] : []), ...assignments, '  return result;'].join('\n');
}

function mapFilter(_match, map, convert) {
  if (convert === 'i[1]') return `definedEntries(${map})`;
  if (/\bentry\b/.test(convert) || !convert.includes('i[1]')) throw new Error(`cannot rewrite the map filter of ${map}: ${convert}`);
  return `definedEntries(${map}, (entry) => ${convert.replaceAll('i[1]', 'entry')})`;
}

for (const file of readdirSync(join(root, 'imports')).filter((f) => f.endsWith('.ts'))) {
  const path = join(root, 'imports', file);
  const source = readFileSync(path, 'utf8');
  if (!source.includes(CDK8S_IMPORT)) throw new Error(`${file}: cdk8s import no longer writes "${CDK8S_IMPORT}"; update ${import.meta.filename}`);
  const converted = source.replace(CONVERTER, linearConverter).replace(MAP_FILTER, mapFilter);
  if (converted.includes('.reduce(') || converted.includes('// filter undefined values')) throw new Error(`${file}: a generated filter was not rewritten; update ${import.meta.filename}`);
  writeFileSync(path, converted.replace(CDK8S_IMPORT, importsFor(converted)).replaceAll(' extends ApiObject {', ' extends FastApiObject {'));
}
