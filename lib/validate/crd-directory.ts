import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The vendored upstream schemas live beside the repository (`../shared/crds`), not in it. This finds them:
 * an explicit folder wins, then `$SOVEREIGN_CRDS`, then `../shared/crds` from the working directory.
 */
export function findCrdDirectory(explicit?: string, env: Readonly<Record<string, string | undefined>> = {}): string | undefined {
  if (explicit !== undefined) {
    return existsSync(explicit) ? resolve(explicit) : undefined;
  }
  const candidates = [env.SOVEREIGN_CRDS, resolve(process.cwd(), '..', 'shared', 'crds')];
  const found = candidates.find((c): c is string => c !== undefined && c !== '' && existsSync(c));
  return found === undefined ? undefined : resolve(found);
}
