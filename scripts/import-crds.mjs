// Regenerates imports/ from the pinned upstream CRDs in ../shared/crds (or $SOVEREIGN_CRDS).
// One output file per CRD: `cdk8s import NAME:=path` keeps CRDs of one API group from overwriting each other.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const crdRoot = resolve(process.env.SOVEREIGN_CRDS ?? join(import.meta.dirname, '..', '..', 'shared', 'crds'));
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

// The CLI imports only the first of several specs given at once, so run it once per CRD.
const cli = join(import.meta.dirname, '..', 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
for (const file of sources) {
  execFileSync(
    process.execPath,
    [cli, 'import', '--no-check-upgrade', '--language', 'typescript', '--output', 'imports', `${moduleName(file)}:=${file}`],
    { stdio: 'inherit', cwd: join(import.meta.dirname, '..') },
  );
}
