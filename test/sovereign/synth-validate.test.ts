import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { synthSovereignToFolder } from '../../lib/sovereign/synth-to-folder';
import type { SovereignOutput } from '../../lib/sovereign/synthesize';
import { FSN, twoRegions } from '../helpers/configs';
import { sharedValidator } from '../helpers/manifests';
import { formatViolation } from '../../lib/validate/violation';

// `validate` runs on the objects as synthesized, before anything is written: a failing check leaves the folder as it was.
describe('synthSovereignToFolder with validate', () => {
  const config = resolveSovereignConfig(twoRegions({ databases: [{ name: 'db', namespace: 'apps' }] }));

  test('passes the in-memory objects of every region to the check, and writes when it finds nothing', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'synth-validate-')), 'out');
    const seen: string[] = [];
    const validate = (output: SovereignOutput) => {
      seen.push(...output.regions.map((r) => `${r.region}:${r.objects.length}`));
      return output.regions.flatMap((r) => sharedValidator().validateObjects(r.objects).map(formatViolation));
    };
    const result = synthSovereignToFolder(config, out, { validate });
    expect(seen).toEqual(result.output.regions.map((r) => `${r.region}:${r.objects.length}`));
    expect(existsSync(join(out, FSN, 'kustomization.yaml'))).toBe(true);
  });

  test('fails with every problem and leaves the previous output byte-identical', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'synth-validate-')), 'out');
    synthSovereignToFolder(config, out);
    const before = readFileSync(join(out, FSN, 'kustomization.yaml'), 'utf8');
    expect(() => synthSovereignToFolder(config, out, { validate: () => ['hz-fsn-rtz-prod: Cluster/apps/db: spec: broken [schema]', 'second'] })).toThrow(
      'the synthesized Sovereign omantel fails validation; nothing was written:\n  hz-fsn-rtz-prod: Cluster/apps/db: spec: broken [schema]\n  second',
    );
    expect(readFileSync(join(out, FSN, 'kustomization.yaml'), 'utf8')).toBe(before);
  });
});
