#!/usr/bin/env node
// `npm run synth` and `npm run sovereign`: the compiled CLI (build/apps/cli.js), rebuilt first whenever a source
// under lib/, apps/ or imports/ is newer than it, so the repository's commands never run stale code and never pay
// tsx's start-up and transpile time (about 0.4 s of every run).
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, rmSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const cli = join(root, 'build', 'apps', 'cli.js');

function newestSource() {
  let newest = Math.max(...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(join(root, f)).mtimeMs));
  for (const dir of ['lib', 'apps', 'imports']) {
    for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

if (!existsSync(cli) || newestSource() > statSync(cli).mtimeMs) {
  rmSync(join(root, 'build'), { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}
require(cli);
