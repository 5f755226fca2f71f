import { join } from 'node:path';
import type { SovereignConfigInput } from '../../lib/sovereign/config-types';

export const EXAMPLES = join(__dirname, '..', '..', 'examples');
export const OMANTEL_YAML = join(EXAMPLES, 'omantel.yaml');

export const FSN = 'hz-fsn-rtz-prod';
export const HEL = 'hz-hel-rtz-prod';
export const NBG = 'hz-nbg-rtz-prod';

/** An S3-compatible object store for a region, as a config names it (the credentials only by Secret name). */
export function objectStore(region: string) {
  return { endpoint: `https://${region}.objects.example`, bucket: `backups-${region}`, credentials: { secretName: 'backup-s3' } };
}

/** A minimal two-region config, every region with an object store; override any field per test. */
export function twoRegions(overrides: Partial<SovereignConfigInput> = {}): SovereignConfigInput {
  return {
    name: 'omantel',
    domain: 'omantel.example',
    regions: [{ name: FSN, clusterName: 'fsn', objectStore: objectStore(FSN) }, { name: HEL, objectStore: objectStore(HEL) }],
    primaryRegion: FSN,
    ...overrides,
  };
}

export function threeRegions(overrides: Partial<SovereignConfigInput> = {}): SovereignConfigInput {
  return twoRegions({ regions: [{ name: FSN, objectStore: objectStore(FSN) }, { name: NBG, objectStore: objectStore(NBG) }, { name: HEL, objectStore: objectStore(HEL) }], ...overrides });
}
