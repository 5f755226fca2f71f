// Shell scripts of the snapshot backup CronJob (BusyBox sh in both images: the OpenBao image is alpine-based,
// openbao v2.6.2 Dockerfile; so is rclone's, rclone v1.74.4 Dockerfile). Every value comes from the environment;
// nothing user-provided is spliced into shell text. `test/openbao/snapshot-backup-scripts.test.ts` runs them against
// stand-in clients, and `test/openbao/server-scripts.test.ts` shellchecks every rendered script.

/**
 * The `snapshot` init container (OpenBao image): log in to the region's own active node with the backup SVID and
 * save a Raft snapshot into the shared scratch volume. `bao operator raft snapshot save` exits 2 when the request
 * fails or the archive lacks its sealed `SHA256SUMS.sealed` trailer (command/operator_raft_snapshot_save.go,
 * api/sys_raft.go ErrIncompleteSnapshot, v2.6.2), but leaves what it wrote behind, so a failed save removes the
 * partial file itself. The api client sets no timeout on the snapshot stream (api/sys_raft.go, v2.6.2), hence
 * BusyBox `timeout SECS PROG` (busybox coreutils/timeout.c). Only a complete snapshot is renamed to `$SNAPSHOT`, with
 * the UTC time the save started in `$SNAPSHOT.taken-at`: the data is at least that recent.
 */
export const SNAPSHOT_SAVE_SCRIPT = `set -eu
umask 077
fail() { echo "$*" >&2; exit 1; }
partial="$SNAPSHOT.partial"
trap 'rm -f "$partial"' EXIT
rm -f "$SNAPSHOT" "$SNAPSHOT.taken-at"
[ -s "$BAO_CLIENT_CERT" ] || fail "no SVID in $BAO_CLIENT_CERT yet (cert-manager issues it); the next run retries"
taken="$(date -u +%Y%m%dT%H%M%SZ)"
token="$(bao login -no-store -token-only -method=cert -path=cert name="$BACKUP_ROLE")" || fail "login to $BAO_ADDR as $BACKUP_ROLE failed"
BAO_TOKEN="$token" timeout "$TRANSFER_TIMEOUT_SECONDS" bao operator raft snapshot save "$partial" || fail "saving a snapshot of $BAO_ADDR failed or took longer than \${TRANSFER_TIMEOUT_SECONDS}s"
[ -s "$partial" ] || fail "the snapshot of $BAO_ADDR is empty"
printf '%s\\n' "$taken" > "$SNAPSHOT.taken-at"
mv "$partial" "$SNAPSHOT"
echo "saved a snapshot of $BAO_ADDR taken at $taken ($(wc -c < "$SNAPSHOT") bytes)"
`;

/**
 * The `upload` container (rclone image): upload the snapshot as `<taken-at>.snap` with a `sha256sum`-format sidecar
 * `<taken-at>.snap.sha256`, then verify what the store holds: the size it lists must equal the local size, the object
 * downloaded back must hash to the SHA-256 computed locally before the upload, and the sidecar read back must name that
 * hash. Only then, with PRUNE=true, delete this region's snapshots older than RETENTION, judged by the store's own
 * LastModified. Any failed step fails the run, so the CronJob's last success is the last verified snapshot. The
 * snapshot leaves the scratch volume on every path (EXIT trap).
 *
 * rclone facts it relies on (rclone v1.74.4): every command exits non-zero on an error (docs/content/docs.md "List of
 * exit codes"); `copyto SRC DST` copies one file to one name (cmd/copyto); `lsf --files-only --format s PATH` prints a
 * file's size (cmd/lsf); `cat PATH` writes an object to stdout (cmd/cat); a file path limits any of them to that file
 * (cmd/cmd.go NewFsSrc); `delete` obeys the filters `--include` and `--min-age` (cmd/delete, docs/content/filtering.md),
 * and `--use-server-modtime` makes S3 ages the LastModified of the listing (backend/s3/s3.go ModTime).
 */
export const SNAPSHOT_UPLOAD_SCRIPT = `set -eu
umask 077
fail() { echo "$*" >&2; exit 1; }
sidecar="$WORK_DIR/snapshot.sha256"
download_failed="$WORK_DIR/download.failed"
trap 'rm -f "$SNAPSHOT" "$SNAPSHOT.taken-at" "$sidecar" "$download_failed"' EXIT
[ -s "$SNAPSHOT" ] || fail "no snapshot in $SNAPSHOT: the snapshot container saved none"
taken="$(cat "$SNAPSHOT.taken-at")" || fail "no time for the snapshot in $SNAPSHOT.taken-at"
case "$taken" in
  [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z) ;;
  *) fail "the snapshot time \\"$taken\\" is not a UTC timestamp such as 20261201T220000Z" ;;
esac
name="$taken.snap"
object="$DESTINATION/$name"
sum="$(sha256sum "$SNAPSHOT" | cut -d ' ' -f 1)"
[ "\${#sum}" -eq 64 ] || fail "hashing $SNAPSHOT failed"
size=$(( $(wc -c < "$SNAPSHOT") ))
printf '%s  %s\\n' "$sum" "$name" > "$sidecar"
timeout "$TRANSFER_TIMEOUT_SECONDS" rclone copyto "$SNAPSHOT" "$object" || fail "uploading $DESTINATION_URL/$name failed or took longer than \${TRANSFER_TIMEOUT_SECONDS}s"
timeout "$TRANSFER_TIMEOUT_SECONDS" rclone copyto "$sidecar" "$object.sha256" || fail "uploading $DESTINATION_URL/$name.sha256 failed"
stored_size="$(timeout "$TRANSFER_TIMEOUT_SECONDS" rclone lsf --files-only --format s "$object")" || fail "listing $DESTINATION_URL/$name failed"
[ "$stored_size" = "$size" ] || fail "the store holds \${stored_size:-no object} bytes for $DESTINATION_URL/$name, not the $size uploaded"
stored_sum="$({ timeout "$TRANSFER_TIMEOUT_SECONDS" rclone cat "$object" || echo failed > "$download_failed"; } | sha256sum | cut -d ' ' -f 1)"
[ ! -e "$download_failed" ] || fail "downloading $DESTINATION_URL/$name back failed"
[ "$stored_sum" = "$sum" ] || fail "checksum mismatch: $DESTINATION_URL/$name reads back as sha256 $stored_sum, not the $sum uploaded"
stored_sidecar="$(timeout "$TRANSFER_TIMEOUT_SECONDS" rclone cat "$object.sha256")" || fail "downloading $DESTINATION_URL/$name.sha256 back failed"
[ "$stored_sidecar" = "$sum  $name" ] || fail "checksum mismatch: $DESTINATION_URL/$name.sha256 reads back as \\"$stored_sidecar\\", not \\"$sum  $name\\""
echo "stored and verified $DESTINATION_URL/$name ($size bytes, sha256 $sum)"
if [ "$PRUNE" = "true" ]; then
  timeout "$TRANSFER_TIMEOUT_SECONDS" rclone delete --min-age "$RETENTION" --use-server-modtime --include '*.snap' --include '*.snap.sha256' "$DESTINATION" || fail "deleting snapshots older than $RETENTION from $DESTINATION_URL failed"
  echo "deleted snapshots older than $RETENTION from $DESTINATION_URL"
fi
`;
