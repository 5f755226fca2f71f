import { join } from 'node:path';
import type { SovereignConfigInput } from '../../lib/sovereign/config-types';

export const EXAMPLES = join(__dirname, '..', '..', 'examples');
export const OMANTEL_YAML = join(EXAMPLES, 'omantel.yaml');

export const FSN = 'hz-fsn-rtz-prod';
export const HEL = 'hz-hel-rtz-prod';
export const NBG = 'hz-nbg-rtz-prod';

/** A minimal two-region config; override any field per test. */
export function twoRegions(overrides: Partial<SovereignConfigInput> = {}): SovereignConfigInput {
  return {
    name: 'omantel',
    domain: 'omantel.example',
    regions: [{ name: FSN, clusterName: 'fsn' }, { name: HEL }],
    primaryRegion: FSN,
    ...overrides,
  };
}

export function threeRegions(overrides: Partial<SovereignConfigInput> = {}): SovereignConfigInput {
  return twoRegions({ regions: [{ name: FSN }, { name: NBG }, { name: HEL }], ...overrides });
}
