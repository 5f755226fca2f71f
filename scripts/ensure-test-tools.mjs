// Run by `npm test` before the suite: the tests run real upstream tools (shellcheck lints every shell script the
// library renders; promtool unit-tests every alerting rule). A missing tool is installed from Debian's packages when this user can (root with apt-get);
// otherwise this stops with the exact command to run. No test ever skips for lack of a tool.
import { execFileSync, spawnSync } from 'node:child_process';

const TOOLS = [
  { command: 'shellcheck', debianPackage: 'shellcheck' },
  { command: 'promtool', debianPackage: 'prometheus' },
];

const missing = TOOLS.filter(({ command }) => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0);
if (missing.length > 0) {
  const packages = missing.map((t) => t.debianPackage);
  const canInstall = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
  if (!canInstall) {
    console.error(`The tests need ${missing.map((t) => t.command).join(', ')}. Install: sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`);
    process.exit(1);
  }
  console.log(`installing ${packages.join(' ')} from Debian's packages for the tests`);
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}
