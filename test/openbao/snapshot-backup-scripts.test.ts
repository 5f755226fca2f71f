import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNAPSHOT_SAVE_SCRIPT, SNAPSHOT_UPLOAD_SCRIPT } from '../../lib/openbao/snapshot-backup-scripts';

// A stand-in OpenBao CLI, following its source (openbao v2.6.2): `bao login -token-only` prints only the token and
// exits non-zero on a refused login (command/login.go); `bao operator raft snapshot save FILE` opens FILE on the first
// byte it receives and, when the stream fails or lacks its sealed trailer, exits 2 leaving what it wrote
// (command/operator_raft_snapshot_save.go lazyOpenWriter, api/sys_raft.go ErrIncompleteSnapshot).
const fakeBao = `echo "$* token=\${BAO_TOKEN:-}" >> "$FAKE_STATE/bao-calls"
for last; do :; done
case "$*" in
  login*) if [ "\${FAKE_LOGIN:-}" = "fail" ]; then echo "Error authenticating: permission denied" >&2; exit 2; fi; echo "token-of-$BACKUP_ROLE"; exit 0 ;;
  *"snapshot save"*)
    case "\${FAKE_SAVE:-}" in
      fail) printf 'partial' > "$last"; echo "Error taking the snapshot: incomplete snapshot, unable to read SHA256SUMS.sealed file" >&2; exit 2 ;;
      hang) printf 'partial' > "$last"; sleep 5; exit 0 ;;
    esac
    { echo "raft snapshot of $BAO_ADDR"; seq 1 3000; } > "$last"; exit 0 ;;
esac
echo "unexpected bao call: $*" >&2
exit 1`;

// A stand-in rclone over a folder ($FAKE_S3/<bucket>/...) for the remote `backup:`, following rclone v1.74.4: errors
// exit non-zero (docs/content/docs.md "List of exit codes"); `copyto SRC DST` stores one file under one name;
// `lsf --files-only --format s FILE` prints its size, nothing when there is none; `cat FILE` streams it, and a read that
// breaks leaves what came so far and exits non-zero; `delete --min-age AGE --include PATTERN... DIR` removes the
// matching files at least AGE old (ages in d, w and M of 30 days: fs/parseduration.go), by the object's time.
// FAKE_STORE makes the store keep other bytes than it was sent (corrupt: same size; truncate: fewer).
const fakeRclone = `echo "$*" >> "$FAKE_STATE/rclone-calls"
remote() { case "$1" in backup:*) echo "$FAKE_S3/\${1#backup:}" ;; *) echo "$1" ;; esac; }
for last; do :; done
command="$1"
shift
case "$command" in
  copyto)
    if [ "\${FAKE_UPLOAD:-}" = "fail" ]; then echo "ERROR : Failed to copy: RequestError: send request failed: connection reset by peer" >&2; exit 1; fi
    target="$(remote "$2")"
    mkdir -p "$(dirname "$target")"
    case "$2:\${FAKE_STORE:-}" in
      *.sha256:sidecar) echo "0000  other.snap" > "$target" ;;
      *.snap:corrupt) { printf 'X'; tail -c +2 "$1"; } > "$target" ;;
      *.snap:truncate) head -c 100 "$1" > "$target" ;;
      *) cp "$1" "$target" ;;
    esac
    exit 0 ;;
  lsf) file="$(remote "$last")"; if [ -f "$file" ]; then wc -c < "$file" | tr -d ' '; fi; exit 0 ;;
  cat)
    file="$(remote "$last")"
    if [ "\${FAKE_DOWNLOAD:-}" = "fail" ]; then head -c 10 "$file"; echo "ERROR : Failed to read: connection reset by peer" >&2; exit 1; fi
    if [ -f "$file" ]; then cat "$file"; fi; exit 0 ;;
  delete)
    if [ "\${FAKE_PRUNE:-}" = "fail" ]; then echo "ERROR : Attempt 3/3 failed with 1 errors: AccessDenied" >&2; exit 1; fi
    age=""; patterns=""
    while [ "$#" -gt 1 ]; do
      case "$1" in --min-age) age="$2"; shift ;; --include) patterns="$patterns $2"; shift ;; esac
      shift
    done
    case "$age" in *d) seconds=$(( \${age%d} * 86400 )) ;; *w) seconds=$(( \${age%w} * 604800 )) ;; *M) seconds=$(( \${age%M} * 2592000 )) ;; *) echo "bad age $age" >&2; exit 2 ;; esac
    now="$(date +%s)"
    for file in "$(remote "$1")"/*; do
      for pattern in $patterns; do
        # shellcheck disable=SC2254
        case "$(basename "$file")" in $pattern) if [ $(( now - $(stat -c %Y "$file") )) -ge "$seconds" ]; then rm -f "$file"; fi ;; esac
      done
    done
    exit 0 ;;
esac
echo "unexpected rclone call: $command $*" >&2
exit 1`;

const DAY = 86400;
const FOLDER = 'omantel-backups-fsn/omantel/openbao/hz-fsn-rtz-prod';

/** A sandbox with both stand-ins, an SVID, the shared scratch and work folders, and an object store folder. */
function sandbox(env: Record<string, string> = {}, prepare: (dir: string) => void = () => {}) {
  const dir = mkdtempSync(join(tmpdir(), 'snapshot-backup-'));
  for (const folder of ['bin', 'svid', 'snapshot', 'work', join('s3', FOLDER)]) mkdirSync(join(dir, folder), { recursive: true });
  for (const [name, body] of [['bao', fakeBao], ['rclone', fakeRclone]]) {
    writeFileSync(join(dir, 'bin', name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, 'bin', name), 0o755);
  }
  writeFileSync(join(dir, 'svid', 'tls.crt'), 'svid');
  prepare(dir);
  const base = {
    PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
    FAKE_STATE: dir,
    FAKE_S3: join(dir, 's3'),
    // the snapshot container
    BAO_ADDR: 'https://openbao-active.openbao.svc:8200',
    BAO_CLIENT_CERT: join(dir, 'svid', 'tls.crt'),
    BACKUP_ROLE: 'snapshot-backup',
    SNAPSHOT: join(dir, 'snapshot', 'raft.snap'),
    TRANSFER_TIMEOUT_SECONDS: '30',
    HOME: join(dir, 'work'),
    // the upload container
    DESTINATION: `backup:${FOLDER}`,
    DESTINATION_URL: `s3://${FOLDER}`,
    RETENTION: '30d',
    PRUNE: 'true',
    WORK_DIR: join(dir, 'work'),
    ...env,
  };
  const run = (script: string) => spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: base, timeout: 20_000 });
  const lines = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8').trim().split('\n') : []);
  return {
    dir,
    save: () => run(SNAPSHOT_SAVE_SCRIPT),
    upload: () => run(SNAPSHOT_UPLOAD_SCRIPT),
    baoCalls: () => lines('bao-calls'),
    rcloneCalls: () => lines('rclone-calls').map((c) => c.split(' ')[0]),
    rcloneCall: (command: string) => lines('rclone-calls').find((c) => c.startsWith(`${command} `)),
    stored: () => readdirSync(join(dir, 's3', FOLDER)).sort(),
    scratch: () => readdirSync(join(dir, 'snapshot')).sort(),
    work: () => readdirSync(join(dir, 'work')).sort(),
  };
}

/** An old snapshot pair already in the store, `days` old by its modification time. */
const storedSnapshot = (name: string, days: number) => (dir: string) => {
  for (const file of [`${name}.snap`, `${name}.snap.sha256`]) {
    const path = join(dir, 's3', FOLDER, file);
    writeFileSync(path, 'old');
    utimesSync(path, Date.now() / 1000 - days * DAY, Date.now() / 1000 - days * DAY);
  }
};

describe('snapshot container: a complete snapshot of the local active node, or nothing', () => {
  test('logs in with its role, saves with the token it got, and hands over the snapshot and its time', () => {
    const box = sandbox();
    const result = box.save();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(box.baoCalls()).toEqual([
      'login -no-store -token-only -method=cert -path=cert name=snapshot-backup token=',
      `operator raft snapshot save ${join(box.dir, 'snapshot', 'raft.snap.partial')} token=token-of-snapshot-backup`,
    ]);
    expect(box.scratch()).toEqual(['raft.snap', 'raft.snap.taken-at']);
    expect(readFileSync(join(box.dir, 'snapshot', 'raft.snap.taken-at'), 'utf8')).toMatch(/^\d{8}T\d{6}Z\n$/);
    expect(result.stdout).toMatch(/^saved a snapshot of https:\/\/openbao-active\.openbao\.svc:8200 taken at \d{8}T\d{6}Z \(\d+ bytes\)\n$/);
  });

  test('fails when the login fails, and saves nothing', () => {
    const box = sandbox({ FAKE_LOGIN: 'fail' });
    const result = box.save();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('login to https://openbao-active.openbao.svc:8200 as snapshot-backup failed');
    expect(box.baoCalls().some((c) => c.includes('snapshot save'))).toBe(false);
    expect(box.scratch()).toEqual([]);
  });

  test('fails when the save fails midstream, and removes what it wrote', () => {
    const box = sandbox({ FAKE_SAVE: 'fail' });
    const result = box.save();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('saving a snapshot of https://openbao-active.openbao.svc:8200 failed');
    expect(box.scratch()).toEqual([]);
  });

  test('fails when the save takes longer than the transfer timeout, and removes what it wrote', () => {
    const box = sandbox({ FAKE_SAVE: 'hang', TRANSFER_TIMEOUT_SECONDS: '1' });
    const result = box.save();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('failed or took longer than 1s');
    expect(box.scratch()).toEqual([]);
  });

  test('fails while cert-manager has not issued the SVID, without calling OpenBao', () => {
    const box = sandbox({}, (dir) => writeFileSync(join(dir, 'svid', 'tls.crt'), ''));
    const result = box.save();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('yet (cert-manager issues it)');
    expect(box.baoCalls()).toEqual([]);
  });
});

describe('upload container: a run succeeds only once the store holds the snapshot, verified', () => {
  test('uploads snapshot and sidecar, verifies size, content and sidecar, then prunes only what is past retention', () => {
    // GIVEN a store holding a snapshot of 40 days and one of 10 days, and a file of someone else's
    const box = sandbox({}, (dir) => {
      storedSnapshot('20260101T000000Z', 40)(dir);
      storedSnapshot('20260201T000000Z', 10)(dir);
      writeFileSync(join(dir, 's3', FOLDER, 'README'), 'not a snapshot');
      utimesSync(join(dir, 's3', FOLDER, 'README'), Date.now() / 1000 - 90 * DAY, Date.now() / 1000 - 90 * DAY);
    });
    // WHEN a snapshot is saved and uploaded
    expect(box.save().status).toBe(0);
    const local = readFileSync(join(box.dir, 'snapshot', 'raft.snap'));
    const taken = readFileSync(join(box.dir, 'snapshot', 'raft.snap.taken-at'), 'utf8').trim();
    const result = box.upload();
    // THEN it is stored under its time with a sidecar sha256sum verifies, the 40-day pair is gone, the rest stays
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`stored and verified s3://${FOLDER}/${taken}\\.snap \\(${local.length} bytes, sha256 [0-9a-f]{64}\\)`));
    expect(result.stdout).toContain(`deleted snapshots older than 30d from s3://${FOLDER}`);
    expect(box.stored()).toEqual(['20260201T000000Z.snap', '20260201T000000Z.snap.sha256', `${taken}.snap`, `${taken}.snap.sha256`, 'README']);
    expect(readFileSync(join(box.dir, 's3', FOLDER, `${taken}.snap`))).toEqual(local);
    const check = spawnSync('sha256sum', ['-c', `${taken}.snap.sha256`], { cwd: join(box.dir, 's3', FOLDER), encoding: 'utf8' });
    expect(check.stdout).toBe(`${taken}.snap: OK\n`);
    expect(box.rcloneCalls()).toEqual(['copyto', 'copyto', 'lsf', 'cat', 'cat', 'delete']);
    expect(box.rcloneCall('delete')).toBe(`delete --min-age 30d --use-server-modtime --include *.snap --include *.snap.sha256 backup:${FOLDER}`);
    // AND the scratch and work folders are empty again
    expect(box.scratch()).toEqual([]);
    expect(box.work()).toEqual([]);
  });

  test('a retention in months is passed as rclone ages: 2M keeps a 40-day snapshot', () => {
    const box = sandbox({ RETENTION: '2M' }, storedSnapshot('20260101T000000Z', 40));
    box.save();
    expect(box.upload().status).toBe(0);
    expect(box.stored()).toContain('20260101T000000Z.snap');
  });

  test('with PRUNE=false nothing is deleted', () => {
    const box = sandbox({ PRUNE: 'false' }, storedSnapshot('20260101T000000Z', 400));
    box.save();
    expect(box.upload().status).toBe(0);
    expect(box.rcloneCalls()).not.toContain('delete');
    expect(box.stored()).toContain('20260101T000000Z.snap');
  });

  const failing: [string, Record<string, string>, string][] = [
    ['the upload fails', { FAKE_UPLOAD: 'fail' }, `uploading s3://${FOLDER}/`],
    ['the stored object has other content of the same size (checksum mismatch)', { FAKE_STORE: 'corrupt' }, '.snap reads back as sha256 '],
    ['the stored object has another size', { FAKE_STORE: 'truncate' }, 'bytes for s3://'],
    ['the stored sidecar names another checksum', { FAKE_STORE: 'sidecar' }, '.snap.sha256 reads back as "0000  other.snap"'],
    ['downloading the object back fails', { FAKE_DOWNLOAD: 'fail' }, 'back failed'],
  ];
  test.each(failing)('fails when %s, prunes nothing and leaves no local snapshot', (_, env, message) => {
    const box = sandbox(env, storedSnapshot('20260101T000000Z', 400));
    expect(box.save().status).toBe(0);
    const result = box.upload();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stdout).not.toContain('stored and verified');
    expect(box.rcloneCalls()).not.toContain('delete');
    expect(box.stored()).toContain('20260101T000000Z.snap');
    expect(box.scratch()).toEqual([]);
    expect(box.work()).toEqual([]);
  });

  test('fails when pruning fails, after the snapshot is stored and verified', () => {
    const box = sandbox({ FAKE_PRUNE: 'fail' });
    box.save();
    const result = box.upload();
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('stored and verified');
    expect(result.stderr).toContain(`deleting snapshots older than 30d from s3://${FOLDER} failed`);
    expect(box.scratch()).toEqual([]);
  });

  test('fails when the snapshot container left no snapshot, without touching the store', () => {
    const box = sandbox();
    const result = box.upload();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the snapshot container saved none');
    expect(box.rcloneCalls()).toEqual([]);
  });

  test('fails when the snapshot time is not a timestamp, without touching the store', () => {
    const box = sandbox();
    box.save();
    writeFileSync(join(box.dir, 'snapshot', 'raft.snap.taken-at'), '../../etc\n');
    const result = box.upload();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('is not a UTC timestamp');
    expect(box.rcloneCalls()).toEqual([]);
    expect(box.scratch()).toEqual([]);
  });
});
