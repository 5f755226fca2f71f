/** Every key a Sovereign writes lives under this prefix of the kv-v2 mount; the OpenBao policies grant only it. */
export function sovereignKeyPrefix(sovereign: string): string {
  return `sovereign/${sovereign}/`;
}

/** Why a remote key is not writable for this Sovereign, or undefined when it is. */
export function remoteKeyProblem(sovereign: string, remoteKey: string): string | undefined {
  const prefix = sovereignKeyPrefix(sovereign);
  if (!remoteKey.startsWith(prefix) || remoteKey === prefix || remoteKey.split('/').includes('..')) {
    return `"${remoteKey}" is outside this Sovereign's prefix "${prefix}"; write under "${prefix}..."`;
  }
  return undefined;
}
