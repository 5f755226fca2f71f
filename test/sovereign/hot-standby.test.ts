import { SovereignConfigError } from '../../lib/sovereign/config-error';
import { parseToggle } from '../../lib/sovereign/hot-standby';
import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { FSN, HEL, NBG, threeRegions, twoRegions } from '../helpers/configs';

const ENV = (enabled?: string, primary?: string, replica?: string) => ({
  ...(enabled !== undefined ? { SOVEREIGN_ENABLE_HOT_STANDBY: enabled } : {}),
  ...(primary !== undefined ? { SOVEREIGN_PRIMARY_REGION: primary } : {}),
  ...(replica !== undefined ? { SOVEREIGN_REPLICA_REGION: replica } : {}),
});

function resolve(env: Record<string, string>, strict = false, file = twoRegions()) {
  return resolveSovereignConfig(file, { env, strict });
}

function strictErrors(env: Record<string, string>): string[] {
  try {
    resolve(env, true);
  } catch (error) {
    return (error as SovereignConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected strict mode to fail');
}

describe('hot-standby knob (SPEC §3 environment matrix)', () => {
  test.each([
    ['true', true],
    [' TRUE ', true],
    ['1', true],
    ['yes', true],
    ['On', true],
    ['false', false],
    ['0', false],
    ['enabled', false],
    ['', false],
  ])('toggle %j is %s', (word, expected) => {
    expect(parseToggle(word)).toBe(expected);
  });

  test('off: single Cluster in the primary region', () => {
    expect(resolve(ENV('false')).hotStandby).toEqual({ active: false, primaryRegion: FSN });
  });

  test('on + distinct regions: a pair', () => {
    expect(resolve(ENV('true', FSN, HEL)).hotStandby).toEqual({ active: true, primaryRegion: FSN, replicaRegion: HEL });
  });

  test('region values are trimmed', () => {
    expect(resolve(ENV('yes', `  ${HEL} `, `\t${FSN}\n`)).hotStandby).toEqual({ active: true, primaryRegion: HEL, replicaRegion: FSN });
  });

  test.each([
    ['empty primary', ENV('true', '', HEL), 'the primary region is required when hot standby is enabled'],
    ['empty replica', ENV('true', FSN, ''), 'the replica region is required when hot standby is enabled'],
    ['both empty', ENV('true', ' ', ''), 'the primary region is required when hot standby is enabled and the replica region is required'],
    ['identical regions', ENV('true', FSN, FSN), 'the replica region must not equal the primary region (hot standby needs two distinct regions)'],
  ])('on + %s: falls back to a single Cluster with a warning', (_, env, reason) => {
    const config = resolve(env);
    expect(config.hotStandby.active).toBe(false);
    expect(config.hotStandby.primaryRegion).toBe(env.SOVEREIGN_PRIMARY_REGION?.trim() || FSN);
    expect(config.hotStandby.replicaRegion).toBeUndefined();
    expect(config.warnings).toHaveLength(1);
    expect(config.warnings[0]).toContain(reason);
    expect(config.warnings[0]).toContain('every database renders as a single Cluster');
  });

  test('off with regions set: single Cluster, no warning', () => {
    const config = resolve(ENV('off', FSN, HEL));
    expect(config.hotStandby).toEqual({ active: false, primaryRegion: FSN });
    expect(config.warnings).toEqual([]);
  });

  test('strict: empty primary is an error', () => {
    expect(strictErrors(ENV('true', '', HEL))).toEqual([
      `SOVEREIGN_PRIMARY_REGION (environment): the primary region is required when hot standby is enabled; set it to one of: ${FSN}, ${HEL}, or turn hot standby off`,
    ]);
  });

  test('strict: empty replica is an error', () => {
    expect(strictErrors(ENV('true', FSN, ''))).toEqual([
      `SOVEREIGN_REPLICA_REGION (environment): the replica region is required when hot standby is enabled; set it to one of: ${FSN}, ${HEL}, or turn hot standby off`,
    ]);
  });

  test('strict: both empty reports both errors', () => {
    expect(strictErrors(ENV('true', '', ''))).toHaveLength(2);
  });

  test('strict: identical regions is an error', () => {
    expect(strictErrors(ENV('true', HEL, HEL))).toEqual([
      `SOVEREIGN_REPLICA_REGION (environment): the replica region must not equal the primary region (hot standby needs two distinct regions); set it to one of: ${FSN}, ${HEL}, or turn hot standby off`,
    ]);
  });

  test('strict mode can come from the config file', () => {
    const file = twoRegions({ hotStandby: { enabled: true, strict: true, replicaRegion: FSN } });
    expect(() => resolveSovereignConfig(file)).toThrow(/the replica region must not equal the primary region/);
  });

  test('strict: toggle off is not an error', () => {
    expect(resolve(ENV('false', '', ''), true).hotStandby.active).toBe(false);
  });

  test.each([false, true])('fails when a region is not a Sovereign region (strict=%s)', (strict) => {
    expect(() => resolve(ENV('true', FSN, 'hz-nowhere'), strict)).toThrow(
      `SOVEREIGN_REPLICA_REGION (environment): is not a region of this Sovereign and cannot be placed; use one of: ${FSN}, ${HEL} (got "hz-nowhere")`,
    );
  });

  test('fails when an unknown region is set even with the toggle off', () => {
    expect(() => resolve(ENV('false', 'hz-nowhere', ''))).toThrow(/SOVEREIGN_PRIMARY_REGION \(environment\): is not a region/);
  });

  test('the environment overrides the file', () => {
    // GIVEN a file that pairs FSN -> NBG
    const file = threeRegions({ hotStandby: { enabled: true, replicaRegion: NBG } });
    // WHEN the environment says HEL -> FSN
    const config = resolve(ENV('1', HEL, FSN), false, file);
    // THEN
    expect(config.hotStandby).toEqual({ active: true, primaryRegion: HEL, replicaRegion: FSN });
  });

  test('without environment the file decides; its primary defaults to the Sovereign primary', () => {
    const config = resolve({}, false, twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL } }));
    expect(config.hotStandby).toEqual({ active: true, primaryRegion: FSN, replicaRegion: HEL });
  });

  test('an unset variable leaves the file value alone, an empty one overrides it', () => {
    const file = twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL } });
    expect(resolve({ SOVEREIGN_PRIMARY_REGION: '' }, false, file).hotStandby.active).toBe(false);
    expect(resolve({ SOVEREIGN_REPLICA_REGION: FSN }, false, file).warnings[0]).toMatch(/must not equal/);
  });
});
