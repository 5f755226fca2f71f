// Shell scripts of raftSnapshot replication (BusyBox sh in the OpenBao image). Every value comes from the environment;
// nothing user-provided is spliced into shell text. `test/openbao/server-scripts.test.ts` shellchecks and runs them.

/**
 * The `snapshot-restore` container beside each replica server. On the region's active node only, every interval:
 * log in to the primary as the puller, write this region's heartbeat there, save a snapshot (taken after the
 * heartbeat), log in to the own server over loopback as the restorer (the only place that role admits) and restore
 * it, without force: the server then refuses a snapshot its seal cannot open rather than sealing the region. The
 * restore endpoint answers once the upload is stored and the restore runs afterwards, sealing the node if it fails
 * (vault/logical_system_raft.go, v2.6.2), so the run only counts once the node is unsealed and active again and the
 * heartbeat reads back: the replica then provably serves the primary's data as of that heartbeat. Transfers are
 * bounded by TRANSFER_TIMEOUT_SECONDS (the api client sets no timeout on snapshot streams, api/sys_raft.go), with
 * BusyBox `timeout SECS PROG` (busybox 1_36_1 coreutils/timeout.c). `bao write PATH -` decodes the JSON body from stdin
 * (hashicorp/go-secure-stdlib kv-builder/v0.1.2 kv-builder/builder.go, the version openbao v2.6.2 pins).
 * `bao status -format=json` prints `"sealed"` and, on the active node, `"is_self": true` (command/format.go, v2.6.2).
 * Every step checks its own status: `set -e` does not apply inside a function called from an `||` list.
 */
export const SNAPSHOT_RESTORE_SCRIPT = `set -eu
umask 077
login() {
  BAO_ADDR="$1" BAO_CLIENT_CERT="$3/tls.crt" BAO_CLIENT_KEY="$3/tls.key" bao login -no-store -token-only -method=cert -path=cert name="$2"
}
active() {
  status="$(bao status -format=json -address="$LOCAL_ADDR" 2>/dev/null)" || true
  case "$status" in *'"sealed": false'*) ;; *) return 1 ;; esac
  case "$status" in *'"is_self": true'*) return 0 ;; *) return 1 ;; esac
}
replicate() {
  for svid in "$PULL_SVID" "$RESTORE_SVID"; do
    [ -s "$svid/tls.crt" ] || { echo "waiting for the SVID in $svid (cert-manager issues it)" >&2; return 1; }
  done
  beat="$(date +%s)"
  pull="$(login "$PRIMARY_ADDR" "$PULL_ROLE" "$PULL_SVID")" || { echo "login to the primary as $PULL_ROLE failed" >&2; return 1; }
  printf '{"data":{"at":"%s"}}' "$beat" | BAO_ADDR="$PRIMARY_ADDR" BAO_TOKEN="$pull" bao write "secret/data/$HEARTBEAT_KEY" - >/dev/null || { echo "writing the heartbeat on the primary failed" >&2; return 1; }
  BAO_ADDR="$PRIMARY_ADDR" BAO_TOKEN="$pull" timeout "$TRANSFER_TIMEOUT_SECONDS" bao operator raft snapshot save "$SNAPSHOT" || { echo "saving a snapshot of the primary failed" >&2; return 1; }
  restore="$(login "$LOCAL_ADDR" "$RESTORE_ROLE" "$RESTORE_SVID")" || { echo "login to the local server as $RESTORE_ROLE failed" >&2; return 1; }
  BAO_ADDR="$LOCAL_ADDR" BAO_TOKEN="$restore" timeout "$TRANSFER_TIMEOUT_SECONDS" bao operator raft snapshot restore "$SNAPSHOT" || { echo "the server refused or lost the snapshot upload" >&2; return 1; }
  waited=0
  while :; do
    if active && check="$(login "$LOCAL_ADDR" "$PULL_ROLE" "$PULL_SVID")"; then
      heartbeat="$(BAO_ADDR="$LOCAL_ADDR" BAO_TOKEN="$check" bao read -format=json "secret/data/$HEARTBEAT_KEY")" || heartbeat=""
      case "$heartbeat" in
        *"\\"at\\": \\"$beat\\""*) echo "verified: the replica serves the primary's data as of heartbeat $beat"; return 0 ;;
      esac
    fi
    if [ "$waited" -ge "$RESTORE_WAIT_SECONDS" ]; then
      if active; then echo "restore not verified: heartbeat $beat does not read back" >&2; else echo "the server is not unsealed and active \${RESTORE_WAIT_SECONDS}s after the restore" >&2; fi
      return 1
    fi
    sleep 5
    waited=$((waited + 5))
  done
}
while true; do
  sleep "$INTERVAL_SECONDS"
  if active; then
    replicate || echo "replication run failed; the verifier alerts once the replica is stale" >&2
    rm -f "$SNAPSHOT"
  fi
done
`;

/**
 * The verifier CronJob: succeeds only when the heartbeat the replica serves is at most FRESH_SECONDS old. A heartbeat
 * only reaches the replica through a verified restore, so the CronJob's last success is the last time the replica was
 * seen serving recent data, and the stale alert is driven by it.
 */
export const VERIFY_FRESHNESS_SCRIPT = `set -eu
token="$(BAO_ADDR="$LOCAL_ADDR" bao login -no-store -token-only -method=cert -path=cert name="$VERIFY_ROLE")"
heartbeat="$(BAO_ADDR="$LOCAL_ADDR" BAO_TOKEN="$token" bao read -format=json "secret/data/$HEARTBEAT_KEY")" || {
  echo "no heartbeat on $LOCAL_ADDR: no restore of the primary has been verified here yet" >&2
  exit 1
}
at="$(printf '%s' "$heartbeat" | sed -n 's/.*"at": "\\([0-9][0-9]*\\)".*/\\1/p' | head -n 1)"
if [ -z "$at" ]; then
  echo "the heartbeat on $LOCAL_ADDR holds no timestamp" >&2
  exit 1
fi
age=$(( $(date +%s) - at ))
if [ "$age" -gt "$FRESH_SECONDS" ]; then
  echo "stale: the replica serves the primary's data as of \${age}s ago (allowed: \${FRESH_SECONDS}s)" >&2
  exit 1
fi
echo "fresh: the replica serves the primary's data as of \${age}s ago"
`;
