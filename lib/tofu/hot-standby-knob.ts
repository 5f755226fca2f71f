import { HOT_STANDBY_ENV } from '../sovereign/hot-standby';
import type { SovereignConfig } from '../sovereign/sovereign-config';

export const KNOB_CONFIG_MAP = 'sovereign-fqdn';

/**
 * The hot-standby knob as the platform reads it, with the values the cdk8s side resolved from the same config and
 * environment: a degenerate input that fell back to single Clusters is written as disabled, so both sides agree.
 */
export function hotStandbyKnob(config: SovereignConfig): Record<string, string> {
  const { hotStandby } = config;
  return {
    [HOT_STANDBY_ENV.enabled]: hotStandby.active ? 'true' : 'false',
    [HOT_STANDBY_ENV.primaryRegion]: hotStandby.primaryRegion,
    [HOT_STANDBY_ENV.replicaRegion]: hotStandby.replicaRegion ?? '',
  };
}
