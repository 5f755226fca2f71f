import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNAPSHOT_RESTORE_SCRIPT, VERIFY_FRESHNESS_SCRIPT } from '../../lib/openbao/replication-scripts';
import { SNAPSHOT_SAVE_SCRIPT, SNAPSHOT_UPLOAD_SCRIPT } from '../../lib/openbao/snapshot-backup-scripts';
import { SELECT_CONFIG_SCRIPT, TLS_RELOAD_SCRIPT } from '../../lib/openbao/server-scripts';
import { loadSovereignConfig, resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { OMANTEL_YAML, twoRegions } from '../helpers/configs';

/** Every `/bin/sh -c <script>` a container of the rendered objects runs. */
function renderedScripts(): string[] {
  const outputs = [
    synthesizeSovereign(loadSovereignConfig(OMANTEL_YAML, { env: {} })),
    synthesizeSovereign(resolveSovereignConfig(twoRegions({ openbao: { replication: { mechanism: 'nativePerformance' } } }))),
  ];
  const scripts = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (typeof value !== 'object' || value === null) return;
    const command = (value as { command?: unknown }).command;
    if (Array.isArray(command) && command[0] === '/bin/sh' && command[1] === '-c') scripts.add(command[2]);
    Object.values(value).forEach(walk);
  };
  walk(outputs);
  return [...scripts];
}

describe('shell scripts the library renders', () => {
  const scripts = renderedScripts();

  test('include the select-config and tls-reloader scripts of the OpenBao pods', () => {
    expect(scripts).toEqual(expect.arrayContaining([SELECT_CONFIG_SCRIPT, TLS_RELOAD_SCRIPT]));
    expect(scripts.length).toBeGreaterThanOrEqual(4);
  });

  test('include the snapshot backup\'s save and upload scripts (the example\'s primary has an object store)', () => {
    expect(scripts).toEqual(expect.arrayContaining([SNAPSHOT_RESTORE_SCRIPT, VERIFY_FRESHNESS_SCRIPT, SNAPSHOT_SAVE_SCRIPT, SNAPSHOT_UPLOAD_SCRIPT]));
  });

  test.each(renderedScripts().map((script) => [script.split('\n').find((l) => l !== 'set -eu' && l.trim() !== '')!.slice(0, 60), script]))(
    'shellcheck (POSIX sh, every severity) passes: %s',
    (_, script) => {
      const result = spawnSync('shellcheck', ['--shell=sh', '--severity=style', '-'], { input: script, encoding: 'utf8' });
      expect(result.error).toBeUndefined();
      expect(result.stdout).toBe('');
      expect(result.status).toBe(0);
    },
  );
});

/** A folder with stand-ins for the commands the scripts call, and the templates select-config copies. */
function sandbox(fakes: Record<string, string>): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'openbao-script-'));
  mkdirSync(join(dir, 'bin'));
  for (const [name, body] of Object.entries(fakes)) {
    writeFileSync(join(dir, 'bin', name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, 'bin', name), 0o755);
  }
  for (const folder of ['templates', 'config', 'tls', 'reloader', 'ca']) mkdirSync(join(dir, folder));
  writeFileSync(join(dir, 'templates', 'server.json'), '{"storage":{}}\n');
  writeFileSync(join(dir, 'templates', 'initialize.json'), '{"initialize":[]}\n');
  writeFileSync(join(dir, 'tls', 'tls.crt'), 'cert-1');
  writeFileSync(join(dir, 'tls', 'tls.key'), 'key-1');
  // Stand-ins for the mounted CA bundles: only their PEM framing matters to the script.
  for (const bundle of ['trust-bundle.crt', 'break-glass.crt']) writeFileSync(join(dir, 'ca', bundle), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  return {
    dir,
    env: {
      PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
      TEMPLATES: join(dir, 'templates'),
      CONFIG: join(dir, 'config'),
      TLS_DIR: join(dir, 'tls'),
      RELOADER_STATE: join(dir, 'reloader'),
      TRUST_BUNDLE: join(dir, 'ca', 'trust-bundle.crt'),
      BREAK_GLASS_CA: join(dir, 'ca', 'break-glass.crt'),
    },
  };
}

// A `bao status` stand-in: answers per peer address from a table, exit 2 as bao does for a sealed server.
const fakeBao = (answers: Record<string, 'initialized' | 'uninitialized' | 'down'>) =>
  Object.entries(answers)
    .map(
      ([address, state]) =>
        `case "$*" in *-address=${address}*) ${
          state === 'down' ? 'echo "connection refused" >&2; exit 1' : `echo '{"initialized": ${state === 'initialized'}, "sealed": true}'; exit 2`
        } ;; esac`,
    )
    .join('\n') + '\necho "unexpected bao call: $*" >&2; exit 1';

function selectConfig(podName: string, replicas: number, answers: Record<string, 'initialized' | 'uninitialized' | 'down'> = {}, prepare: (dir: string) => void = () => {}) {
  const { dir, env } = sandbox({ bao: fakeBao(answers), sleep: 'exit 0' });
  prepare(dir);
  const result = spawnSync('sh', ['-c', SELECT_CONFIG_SCRIPT], {
    encoding: 'utf8',
    env: { ...env, POD_NAME: podName, REPLICAS: String(replicas), PEER_DOMAIN: 'openbao-internal.openbao.svc', PEER_PORT: '8200', PEER_WAIT_SECONDS: '0' },
  });
  return { ...result, dir, files: ['server.json', 'initialize.json'].filter((f) => existsSync(join(dir, 'config', f))) };
}

const peer = (ordinal: number) => `https://openbao-${ordinal}.openbao-internal.openbao.svc:8200`;

describe('select-config: exactly one pod may ever self-initialise (openbao/openbao#2274, #3652)', () => {
  test('ordinal 0 self-initialises when every peer answers that it is not initialised', () => {
    const result = selectConfig('openbao-0', 3, { [peer(1)]: 'uninitialized', [peer(2)]: 'uninitialized' });
    expect(result.status).toBe(0);
    expect(result.files).toEqual(['server.json', 'initialize.json']);
    expect(result.stdout).toContain('no peer is initialised: openbao-0 self-initialises');
  });

  test('ordinal 0 of a single-server region self-initialises without asking anyone', () => {
    expect(selectConfig('openbao-0', 1).files).toEqual(['server.json', 'initialize.json']);
  });

  test('ordinal 0 joins instead when a peer is already initialised (its own volume was lost)', () => {
    const result = selectConfig('openbao-0', 5, { [peer(1)]: 'uninitialized', [peer(2)]: 'initialized' });
    expect(result.status).toBe(0);
    expect(result.files).toEqual(['server.json']);
    expect(result.stdout).toContain(`${peer(2)} is initialised: openbao-0 joins its cluster`);
  });

  test('ordinal 0 refuses to guess while a peer does not answer', () => {
    const result = selectConfig('openbao-0', 3, { [peer(1)]: 'uninitialized', [peer(2)]: 'down' });
    expect(result.status).toBe(1);
    expect(result.files).toEqual(['server.json']);
    expect(result.stderr).toContain(`${peer(2)} did not answer within 0s; refusing to self-initialise`);
  });

  test('ordinal 0 waits while a CA bundle holds no certificate: a failed self-init would block every later unseal', () => {
    const result = selectConfig('openbao-0', 1, {}, (dir) => writeFileSync(join(dir, 'ca', 'break-glass.crt'), ''));
    expect(result.status).toBe(1);
    expect(result.files).toEqual(['server.json']);
    expect(result.stderr).toContain('break-glass.crt holds no PEM certificate; self-init would fail');
  });

  test('a copy of initialize.json left from an earlier start is removed when the pod only joins', () => {
    const result = selectConfig('openbao-0', 3, { [peer(1)]: 'initialized' }, (dir) => writeFileSync(join(dir, 'config', 'initialize.json'), '{}'));
    expect(result.files).toEqual(['server.json']);
  });

  test('records the listener certificate\'s fingerprint for the tls-reloader before the server starts', () => {
    const result = selectConfig('openbao-1', 3);
    const expected = spawnSync('sh', ['-c', `cat "${result.dir}/tls/tls.crt" "${result.dir}/tls/tls.key" | sha256sum`], { encoding: 'utf8' }).stdout;
    expect(readFileSync(join(result.dir, 'reloader', 'tls.sha256'), 'utf8')).toBe(expected);
  });

  test.each(['openbao-1', 'openbao-2', 'openbao-4'])('%s only ever joins, asking no one', (pod) => {
    const result = selectConfig(pod, 5);
    expect(result.status).toBe(0);
    expect(result.files).toEqual(['server.json']);
  });
});

describe('tls-reloader: a renewed certificate reaches the running server', () => {
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const start = (env: NodeJS.ProcessEnv, log: string) => spawn('sh', ['-c', TLS_RELOAD_SCRIPT], { env: { ...env, INTERVAL_SECONDS: '0.2', PKILL_LOG: log } });
  const signalled = async (log: string) => {
    for (let i = 0; i < 50 && !existsSync(log); i++) await wait(100);
    await wait(500);
    return existsSync(log) ? readFileSync(log, 'utf8') : '';
  };

  test('sends SIGHUP to bao once the mounted certificate changes, and not before', async () => {
    const { dir, env } = sandbox({ pkill: `echo "$*" >> "${'$'}PKILL_LOG"` });
    const log = join(dir, 'pkill.log');
    const reloader = start(env, log);
    try {
      await wait(700);
      expect(existsSync(log)).toBe(false);
      writeFileSync(join(dir, 'tls', 'tls.crt'), 'cert-2');
      writeFileSync(join(dir, 'tls', 'tls.key'), 'key-2');
      expect(await signalled(log)).toBe('-HUP -f ^bao server \n');
    } finally {
      reloader.kill();
    }
  });

  test('a renewal that landed while the sidecar was restarting is still signalled', async () => {
    // GIVEN select-config recorded the certificate the server loaded, and the renewal lands before the sidecar starts
    const { dir, env } = sandbox({ pkill: `echo "$*" >> "${'$'}PKILL_LOG"` });
    spawnSync('sh', ['-c', 'cat "$TLS_DIR/tls.crt" "$TLS_DIR/tls.key" | sha256sum > "$RELOADER_STATE/tls.sha256"'], { env });
    writeFileSync(join(dir, 'tls', 'tls.crt'), 'cert-2');
    const log = join(dir, 'pkill.log');
    // WHEN the sidecar (re)starts, THEN it still signals the server
    const reloader = start(env, log);
    try {
      expect(await signalled(log)).toBe('-HUP -f ^bao server \n');
    } finally {
      reloader.kill();
    }
  });
});

// A stand-in OpenBao for the replication scripts, following the documented CLI: `bao status -format=json` prints the
// seal status JSON and exits 2 when sealed (command/status.go); `bao login -token-only` prints only the token, and
// fails non-zero on a refused login (command/login.go); `bao write PATH -` reads the JSON body from stdin;
// `bao operator raft snapshot save FILE` writes FILE, `restore -force FILE` uploads it; `bao read -format=json` prints
// the secret JSON and exits 2 when there is none. A primary and a local server are each a folder with the heartbeat.
const fakeOpenBao = `state="$FAKE_STATE"
addr="\${BAO_ADDR:-}"
case "$*" in *-address=*) addr="$(printf '%s' "$*" | sed 's/.*-address=\\([^ ]*\\).*/\\1/')" ;; esac
store() { if [ "$1" = "$PRIMARY_ADDR" ]; then echo "$state/primary"; else echo "$state/local"; fi; }
for last; do :; done
echo "$*" >> "$state/calls"
case "$1" in
  status)
    if [ -e "$state/restored" ] && [ "\${FAKE_AFTER_RESTORE:-}" = "sealed" ]; then echo '{"sealed": true}'; exit 2; fi
    echo "{\\"sealed\\": false, $FAKE_ROLE}"; exit 0 ;;
  login) if [ "\${FAKE_LOGIN:-}" = "fail" ]; then echo "permission denied" >&2; exit 2; fi; echo "token-for-$addr"; exit 0 ;;
  write) cat > "$(store "$addr")/heartbeat"; exit 0 ;;
  read)
    if [ -s "$(store "$addr")/heartbeat" ]; then sed 's/{"data":{"at":"\\([0-9]*\\)"}}/{"data": {"data": {"at": "\\1"}}}/' "$(store "$addr")/heartbeat"; exit 0; fi
    echo "No value found" >&2; exit 2 ;;
  operator)
    case "$*" in
      *"snapshot save"*) cp "$state/primary/heartbeat" "$last"; exit 0 ;;
      *"snapshot restore"*) touch "$state/restored"; if [ "$FAKE_RESTORE" = "ok" ]; then cp "$last" "$state/local/heartbeat"; fi; exit 0 ;;
    esac ;;
esac
echo "unexpected bao call: $*" >&2
exit 1`;

function replicationSandbox(role: 'active' | 'standby', restore: 'ok' | 'lost', extra: Record<string, string> = {}) {
  const { dir, env } = sandbox({
    bao: fakeOpenBao,
    // The second interval sleep ends the loop: by then exactly one run has happened. Waits inside a run pass at once.
    sleep: `[ "$1" = "$INTERVAL_SECONDS" ] || exit 0; echo x >> "$FAKE_STATE/sleeps"; [ "$(wc -l < "$FAKE_STATE/sleeps")" -lt 2 ] || kill "$PPID"`,
  });
  for (const folder of ['primary', 'local', 'pull', 'restore']) mkdirSync(join(dir, folder));
  if (extra.NO_SVIDS === undefined) for (const svid of ['pull', 'restore']) writeFileSync(join(dir, svid, 'tls.crt'), 'svid');
  return {
    dir,
    env: {
      ...env,
      FAKE_STATE: dir,
      FAKE_ROLE: role === 'active' ? '"is_self": true' : '"leader_address": "https://openbao-1"',
      FAKE_RESTORE: restore,
      PRIMARY_ADDR: 'https://openbao-primary.openbao.svc:8200',
      LOCAL_ADDR: 'https://127.0.0.1:8200',
      PULL_ROLE: 'replication-pull',
      PULL_SVID: join(dir, 'pull'),
      RESTORE_ROLE: 'replication-restore',
      RESTORE_SVID: join(dir, 'restore'),
      HEARTBEAT_KEY: 'sovereign/omantel/_replication/heartbeat/hz-hel-rtz-prod',
      INTERVAL_SECONDS: '300',
      RESTORE_WAIT_SECONDS: '10',
      TRANSFER_TIMEOUT_SECONDS: '30',
      SNAPSHOT: join(dir, 'raft.snap'),
      ...extra,
    },
  };
}

describe('snapshot-restore: a run counts only once the replica serves the primary\'s data', () => {
  const run = (role: 'active' | 'standby', restore: 'ok' | 'lost', extra: Record<string, string> = {}) => {
    const { dir, env } = replicationSandbox(role, restore, extra);
    const result = spawnSync('/bin/sh', ['-c', SNAPSHOT_RESTORE_SCRIPT], { encoding: 'utf8', env, timeout: 20_000 });
    return {
      ...result,
      calls: existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') : [],
      snapshotLeft: existsSync(env.SNAPSHOT as string),
    };
  };

  test('on the active node: heartbeat on the primary, snapshot, loopback restore, then the heartbeat reads back', () => {
    const result = run('active', 'ok');
    expect(result.stdout).toMatch(/verified: the replica serves the primary's data as of heartbeat \d+/);
    expect(result.calls.filter((c) => c.startsWith('login'))).toEqual([
      'login -no-store -token-only -method=cert -path=cert name=replication-pull',
      'login -no-store -token-only -method=cert -path=cert name=replication-restore',
      'login -no-store -token-only -method=cert -path=cert name=replication-pull',
    ]);
    expect(result.calls.findIndex((c) => c.startsWith('write'))).toBeLessThan(result.calls.findIndex((c) => c.includes('snapshot save')));
    expect(result.snapshotLeft).toBe(false);
  });

  test('fails when a login fails, and leaves no snapshot', () => {
    const result = run('active', 'ok', { FAKE_LOGIN: 'fail' });
    expect(result.stderr).toContain('login to the primary as replication-pull failed');
    expect(result.calls.some((c) => c.includes('snapshot'))).toBe(false);
    expect(result.stdout).not.toContain('verified:');
    expect(result.snapshotLeft).toBe(false);
  });

  test('fails when the restore does not bring the node back unsealed and active, and leaves no snapshot', () => {
    const result = run('active', 'ok', { FAKE_AFTER_RESTORE: 'sealed' });
    expect(result.stderr).toContain('the server is not unsealed and active 10s after the restore');
    expect(result.stdout).not.toContain('verified:');
    expect(result.snapshotLeft).toBe(false);
  });

  test('fails when the heartbeat does not read back after the restore, and leaves no snapshot', () => {
    const result = run('active', 'lost');
    expect(result.stderr).toContain('restore not verified: heartbeat');
    expect(result.stdout).not.toContain('verified:');
    expect(result.snapshotLeft).toBe(false);
  });

  test('waits while cert-manager has not issued the SVIDs yet', () => {
    const result = run('active', 'ok', { NO_SVIDS: '1' });
    expect(result.stderr).toContain('waiting for the SVID in');
    expect(result.calls.filter((c) => !c.startsWith('status'))).toEqual([]);
  });

  test('a standby does nothing: only the active node restores', () => {
    const result = run('standby', 'ok');
    expect(result.calls.filter((c) => !c.startsWith('status'))).toEqual([]);
  });
});

describe('the verifier: succeeds only while the replica serves a recent heartbeat', () => {
  const verify = (heartbeatAgeSeconds: number | undefined) => {
    const { dir, env } = sandbox({ bao: fakeOpenBao });
    for (const folder of ['primary', 'local']) mkdirSync(join(dir, folder));
    if (heartbeatAgeSeconds !== undefined) writeFileSync(join(dir, 'local', 'heartbeat'), `{"data":{"at":"${Math.floor(Date.now() / 1000) - heartbeatAgeSeconds}"}}`);
    return spawnSync('/bin/sh', ['-c', VERIFY_FRESHNESS_SCRIPT], {
      encoding: 'utf8',
      env: { ...env, FAKE_STATE: dir, FAKE_ROLE: '"is_self": true', PRIMARY_ADDR: 'https://openbao-primary.openbao.svc:8200', LOCAL_ADDR: 'https://openbao-active.openbao.svc:8200', VERIFY_ROLE: 'replication-verify', HEARTBEAT_KEY: 'k', FRESH_SECONDS: '600' },
    });
  };

  test('fresh: a heartbeat restored a minute ago', () => {
    const result = verify(60);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/fresh: the replica serves the primary's data as of \d+s ago/);
  });

  test('fails when the heartbeat is older than two intervals', () => {
    const result = verify(900);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/stale: the replica serves the primary's data as of 9\d\ds ago \(allowed: 600s\)/);
  });

  test('fails when no restore was ever verified here', () => {
    const result = verify(undefined);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no heartbeat on https://openbao-active.openbao.svc:8200');
  });
});
