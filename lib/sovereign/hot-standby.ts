import type { ConfigIssue } from './config-error';

/** The three environment variables through which the existing platform passes the hot-standby knob (§3). */
export const HOT_STANDBY_ENV = {
  enabled: 'SOVEREIGN_ENABLE_HOT_STANDBY',
  primaryRegion: 'SOVEREIGN_PRIMARY_REGION',
  replicaRegion: 'SOVEREIGN_REPLICA_REGION',
} as const;

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);

/** `true`, `1`, `yes`, `on` (trimmed, any case) are true; everything else is false. */
export function parseToggle(value: string): boolean {
  return TRUE_WORDS.has(value.trim().toLowerCase());
}

/** How the database pairs of a Sovereign render, after the file and the environment are combined. */
export interface HotStandbyResolution {
  /** True when every pair renders a primary and a replica Cluster in two regions. */
  readonly active: boolean;
  /** The region that holds the primary (or the only) Cluster of every pair. */
  readonly primaryRegion: string;
  /** The region of the replica Clusters; set only when active. */
  readonly replicaRegion?: string;
  /** Why the single-Cluster shape was rendered although hot standby was asked for; set only on a fallback. */
  readonly fallbackReason?: string;
}

/** Inputs to the resolution: the file's `hotStandby` block, the Sovereign primary, and the environment. */
export interface HotStandbyInputs {
  readonly file: { readonly enabled: boolean; readonly primaryRegion?: string; readonly replicaRegion?: string; readonly strict: boolean };
  readonly sovereignPrimaryRegion: string;
  readonly regionNames: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly strict: boolean;
}

/**
 * Combines the file and the environment (the environment wins) and decides between the pair and the
 * single-Cluster shape. Degenerate inputs fall back with a reason, or become issues in strict mode; a region
 * that is not a Sovereign region is always an issue.
 */
export function resolveHotStandby(inputs: HotStandbyInputs, issues: ConfigIssue[]): HotStandbyResolution {
  const { file, env } = inputs;
  const strict = inputs.strict || file.strict;
  const fromEnv = (key: keyof typeof HOT_STANDBY_ENV) => env[HOT_STANDBY_ENV[key]] !== undefined;
  const pathOf = (key: 'primaryRegion' | 'replicaRegion') =>
    fromEnv(key) ? `${HOT_STANDBY_ENV[key]} (environment)` : `hotStandby.${key}`;

  const enabled = fromEnv('enabled') ? parseToggle(env[HOT_STANDBY_ENV.enabled]!) : file.enabled;
  const primary = fromEnv('primaryRegion')
    ? env[HOT_STANDBY_ENV.primaryRegion]!.trim()
    : (file.primaryRegion ?? inputs.sovereignPrimaryRegion).trim();
  const replica = (fromEnv('replicaRegion') ? env[HOT_STANDBY_ENV.replicaRegion]! : (file.replicaRegion ?? '')).trim();

  const known = new Set(inputs.regionNames);
  const regionList = inputs.regionNames.join(', ');
  let unknownRegion = false;
  // A defaulted primary is the Sovereign primary, which the caller checks itself.
  const explicitPrimary = fromEnv('primaryRegion') || file.primaryRegion !== undefined;
  for (const [key, value, explicit] of [['primaryRegion', primary, explicitPrimary], ['replicaRegion', replica, true]] as const) {
    if (explicit && value !== '' && !known.has(value)) {
      unknownRegion = true;
      issues.push({
        path: pathOf(key),
        value,
        message: `is not a region of this Sovereign and cannot be placed; use one of: ${regionList}`,
      });
    }
  }
  const home = primary !== '' && known.has(primary) ? primary : inputs.sovereignPrimaryRegion;
  if (!enabled || unknownRegion) {
    return { active: false, primaryRegion: home };
  }

  const problems: { path: string; value?: string; message: string }[] = [];
  if (primary === '') {
    problems.push({ path: pathOf('primaryRegion'), message: 'the primary region is required when hot standby is enabled' });
  }
  if (replica === '') {
    problems.push({ path: pathOf('replicaRegion'), message: 'the replica region is required when hot standby is enabled' });
  } else if (primary === replica) {
    problems.push({
      path: pathOf('replicaRegion'),
      value: replica,
      message: 'the replica region must not equal the primary region (hot standby needs two distinct regions)',
    });
  }
  if (problems.length === 0) {
    return { active: true, primaryRegion: primary, replicaRegion: replica };
  }
  if (strict) {
    for (const problem of problems) {
      issues.push({ ...problem, message: `${problem.message}; set it to one of: ${regionList}, or turn hot standby off` });
    }
  }
  return {
    active: false,
    primaryRegion: home,
    fallbackReason: `hot standby is enabled but ${problems.map((p) => p.message).join(' and ')}; every database renders as a single Cluster in ${home}`,
  };
}
