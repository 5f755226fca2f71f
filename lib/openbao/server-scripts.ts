// Shell scripts the OpenBao pods run (the image is Alpine with BusyBox). They take every value from the environment:
// nothing user-provided is spliced into shell text. `test/openbao/server-scripts.test.ts` runs shellcheck on them.

/**
 * The `select-config` init container: every pod gets `server.json`; only ordinal 0 also gets `initialize.json`, and
 * only once every peer has answered that it is not initialised. A peer that is initialised means the cluster exists
 * (pod 0 lost its volume, say): pod 0 must join it, never bootstrap a second one. A peer that does not answer may be
 * holding the cluster, so pod 0 waits, and after PEER_WAIT_SECONDS fails (the kubelet retries) rather than guess.
 * `bao status` exits 2 for a sealed or uninitialised server and still prints its JSON (command/status.go, v2.6.2).
 * Before self-init it checks that both CA files hold a certificate: a self-init request that fails (a role whose
 * `certificate` does not parse) leaves a marker that makes every later start refuse to unseal (vault/self_init.go),
 * so a missing or empty bundle must stop this init container, which retries, not the server.
 * It also records the listener certificate's fingerprint for the tls-reloader, before the server reads it.
 */
export const SELECT_CONFIG_SCRIPT = `set -eu
cp "$TEMPLATES/server.json" "$CONFIG/server.json"
rm -f "$CONFIG/initialize.json"
cat "$TLS_DIR/tls.crt" "$TLS_DIR/tls.key" | sha256sum > "$RELOADER_STATE/tls.sha256"
ordinal="\${POD_NAME##*-}"
if [ "$ordinal" != "0" ]; then
  echo "$POD_NAME joins the region's cluster through retry_join; only ordinal 0 may self-initialise"
  exit 0
fi
deadline=$(( $(date +%s) + PEER_WAIT_SECONDS ))
peer=1
while [ "$peer" -lt "$REPLICAS" ]; do
  address="https://\${POD_NAME%-*}-$peer.$PEER_DOMAIN:$PEER_PORT"
  status="$(bao status -format=json -address="$address" 2>/dev/null)" || true
  case "$status" in
    *'"initialized": true'*)
      echo "$address is initialised: $POD_NAME joins its cluster instead of self-initialising"
      exit 0
      ;;
    *'"initialized": false'*)
      peer=$((peer + 1))
      ;;
    *)
      if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "$address did not answer within \${PEER_WAIT_SECONDS}s; refusing to self-initialise while it may hold the cluster" >&2
        exit 1
      fi
      sleep 5
      ;;
  esac
done
for bundle in "$TRUST_BUNDLE" "$BREAK_GLASS_CA"; do
  if ! grep -q -- '-----BEGIN CERTIFICATE-----' "$bundle"; then
    echo "$bundle holds no PEM certificate; self-init would fail and block every later unseal, so it waits for the ConfigMap" >&2
    exit 1
  fi
done
cp "$TEMPLATES/initialize.json" "$CONFIG/initialize.json"
echo "no peer is initialised: $POD_NAME self-initialises the region's cluster"
`;

/**
 * The `tls-reloader` sidecar: when the kubelet swaps in the renewed certificate, send the server SIGHUP, on which
 * OpenBao reloads its listener certificate (command/server.go reload handling, v2.6.2). The pod shares its process
 * namespace and both containers run as the same user, so the signal is allowed without any capability. It signals
 * the server alone: other `bao` commands in the pod (the replica's snapshot-restore) install no SIGHUP handler and
 * would exit on it (command/commands.go, v2.6.2). BusyBox `pkill -f` matches the regex against the whole command line
 * (busybox 1_36_1 procps/pgrep.c). The
 * fingerprint the server last loaded lives in a pod-lifetime emptyDir (written by select-config before the server
 * starts), so a restarted sidecar still sees a renewal it had not yet signalled; a failed signal is retried.
 */
export const TLS_RELOAD_SCRIPT = `set -eu
fingerprint() { cat "$TLS_DIR/tls.crt" "$TLS_DIR/tls.key" | sha256sum; }
state="$RELOADER_STATE/tls.sha256"
[ -s "$state" ] || fingerprint > "$state"
while true; do
  sleep "$INTERVAL_SECONDS"
  current="$(fingerprint)"
  if [ "$current" != "$(cat "$state")" ]; then
    if pkill -HUP -f '^bao server '; then
      echo "listener certificate renewed: sent SIGHUP to bao"
      printf '%s\n' "$current" > "$state"
    else
      echo "listener certificate renewed, but no bao process to signal yet; retrying" >&2
    fi
  fi
done
`;
