import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { checkPromotion, PromotionRefusedError } from '../../lib/sovereign/promotion';
import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { synthSovereignToFolder } from '../../lib/sovereign/synth-to-folder';
import { FSN, HEL, NBG, threeRegions } from '../helpers/configs';
import { sharedValidator } from '../helpers/manifests';

const ROOT = join(__dirname, '..', '..');

function folder(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [join(e.parentPath, e.name).slice(dir.length), readFileSync(join(e.parentPath, e.name), 'utf8')]),
  );
}

const config = (primaryRegion: string) => resolveSovereignConfig(threeRegions({ primaryRegion, tenants: [{ name: 'team', namespaces: ['team'] }], databases: [{ name: 'db', namespace: 'apps' }], hotStandby: { enabled: true, primaryRegion: FSN, replicaRegion: HEL } }));
const read = (out: string, region: string, file: string) => parse(readFileSync(join(out, region, file), 'utf8'));
// Where restores happen: the verifier CronJob and the restorer's SVID (the restore runs beside the servers).
const CRON = 'cronjob_openbao_openbao-replication-verifier.yaml';
const RESTORE_SVID = 'certificate_openbao_openbao-replication-restore-svid.yaml';
const PRIMARY_SERVICE = 'service_openbao_openbao-primary.yaml';
// The snapshot backup runs in the primary region only, to that region's object store.
const BACKUP = 'cronjob_openbao_openbao-snapshot-backup.yaml';

describe('explicit DR promotion', () => {
  let out: string;
  beforeEach(() => {
    out = join(mkdtempSync(join(tmpdir(), 'promotion-')), 'dist');
    synthSovereignToFolder(config(FSN), out);
  });

  test('a run killed between the swap\'s two renames does not hide the previous primary from the guard', () => {
    // GIVEN the last complete output moved aside, as a run killed between the renames leaves it
    const before = folder(out);
    renameSync(out, join(out, '..', '.dist.previous'));
    // WHEN a run moves the primary without --promote THEN it is refused, and the previous output is back in place
    expect(() => synthSovereignToFolder(config(HEL), out)).toThrow(PromotionRefusedError);
    expect(folder(out)).toEqual(before);
  });

  test('the output records the primary it was rendered for', () => {
    expect(JSON.parse(readFileSync(join(out, 'sovereign-state.json'), 'utf8'))).toEqual({ sovereign: 'omantel', primaryRegion: FSN });
  });

  test('fails without confirmation and leaves the previous output byte-identical', () => {
    const before = folder(out);
    expect(() => synthSovereignToFolder(config(HEL), out)).toThrow(
      `refusing to move the OpenBao primary from ${FSN} to ${HEL} without confirmation: this is a DR promotion.`,
    );
    expect(folder(out)).toEqual(before);
  });

  test('fails when the confirmation names another region', () => {
    expect(() => synthSovereignToFolder(config(HEL), out, { promote: NBG })).toThrow(`the confirmation names ${NBG}, but the config promotes ${HEL}`);
    expect(() => synthSovereignToFolder(config(FSN), out, { promote: HEL })).toThrow(`promotion of ${HEL} was requested, but the config keeps ${FSN}`);
  });

  test('a confirmed promotion moves the openbao-primary backend and re-roots the restore jobs', () => {
    const result = synthSovereignToFolder(config(HEL), out, { promote: HEL });
    // openbao-primary: backends in the new primary, a stub in the old one
    expect(read(out, HEL, PRIMARY_SERVICE).spec.selector).toMatchObject({ 'openbao-active': 'true' });
    expect(read(out, HEL, PRIMARY_SERVICE).metadata.annotations).toEqual({ 'service.cilium.io/global': 'true' });
    expect(read(out, FSN, PRIMARY_SERVICE).spec.selector).toBeUndefined();
    expect(read(out, FSN, PRIMARY_SERVICE).metadata.annotations).toEqual({ 'service.cilium.io/global': 'true', 'service.cilium.io/shared': 'false' });
    // the new primary's restore job is gone; the old primary now pulls from it; the other replica keeps pulling
    expect(readdirSync(join(out, HEL))).not.toContain(CRON);
    expect(readdirSync(join(out, FSN))).toContain(CRON);
    expect(readdirSync(join(out, NBG))).toContain(CRON);
    expect([FSN, NBG, HEL].map((region) => readdirSync(join(out, region)).includes(RESTORE_SVID))).toEqual([true, true, false]);
    expect(result.output.replication.map((l) => [l.source, l.target])).toEqual([[HEL, FSN], [HEL, NBG]]);
    // the snapshot backup follows the primary, to the new primary region's bucket
    expect([FSN, NBG, HEL].map((region) => readdirSync(join(out, region)).includes(BACKUP))).toEqual([false, false, true]);
    const upload = read(out, HEL, BACKUP).spec.jobTemplate.spec.template.spec.containers[0];
    expect(upload.env.find((e: any) => e.name === 'DESTINATION').value).toBe(`backup:backups-${HEL}/omantel/openbao/${HEL}`);
    expect(result.promotion?.regions.find((r) => r.region === FSN)?.removed).toContain(BACKUP);
    expect(result.promotion?.regions.find((r) => r.region === HEL)?.added).toContain(BACKUP);
    // push stores keep their names everywhere and still point at the global name
    for (const region of [FSN, NBG, HEL]) {
      expect(read(out, region, 'clustersecretstore_bao-primary-team.yaml').spec.provider.vault.server).toBe('https://openbao-primary.openbao.svc:8200');
    }
    // databases follow their own setting, not the secrets promotion
    expect(readdirSync(join(out, FSN))).toContain('cluster_apps_db.yaml');
    // the report lists what changed per region
    expect(result.promotion?.from).toBe(FSN);
    expect(result.promotion?.regions.find((r) => r.region === HEL)?.removed).toContain(CRON);
    expect(result.promotion?.regions.find((r) => r.region === FSN)?.added).toContain(CRON);
    expect(result.promotion?.regions.find((r) => r.region === FSN)?.changed).toContain(PRIMARY_SERVICE);
    expect(sharedValidator().validateDirectory(out).violations).toEqual([]);
  });

  test('promotions A -> B -> A return byte-identical output', () => {
    const start = folder(out);
    synthSovereignToFolder(config(HEL), out, { promote: HEL });
    expect(folder(out)).not.toEqual(start);
    synthSovereignToFolder(config(FSN), out, { promote: FSN });
    expect(folder(out)).toEqual(start);
  });

  test('re-running a confirmed promotion with the confirmation still set is harmless', () => {
    synthSovereignToFolder(config(HEL), out, { promote: HEL });
    const after = folder(out);
    expect(synthSovereignToFolder(config(HEL), out, { promote: HEL }).promotion).toBeUndefined();
    expect(folder(out)).toEqual(after);
  });

  test('fails when the folder holds another Sovereign', () => {
    const other = resolveSovereignConfig(threeRegions({ name: 'acme' }));
    expect(() => synthSovereignToFolder(other, out)).toThrow('the output folder holds Sovereign "omantel", not "acme"; choose another --out folder');
  });

  test('checkPromotion allows a first run and an unchanged primary', () => {
    expect(checkPromotion({ sovereign: 's', primaryRegion: FSN })).toBeUndefined();
    expect(checkPromotion({ previous: { sovereign: 's', primaryRegion: FSN }, sovereign: 's', primaryRegion: FSN, confirmation: FSN })).toBeUndefined();
    expect(() => checkPromotion({ previous: { sovereign: 's', primaryRegion: FSN }, sovereign: 's', primaryRegion: HEL })).toThrow(PromotionRefusedError);
  });
});

describe('DR promotion through the CLI', () => {
  const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SOVEREIGN_')));
  const run = (args: string[], extra: Record<string, string> = {}) =>
    spawnSync(TSX, [join(ROOT, 'apps', 'cli.ts'), 'synth', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...env, ...extra } });

  test('refuses, then accepts --promote or SOVEREIGN_PROMOTE and prints the changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'promote-cli-'));
    const out = join(dir, 'dist');
    const file = (primaryRegion: string) => {
      const path = join(dir, `${primaryRegion}.yaml`);
      writeFileSync(path, stringify(threeRegions({ primaryRegion })));
      return path;
    };
    expect(run(['-c', file(FSN), '-o', out]).status).toBe(0);
    const before = folder(out);
    const refused = run(['-c', file(NBG), '-o', out]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`--promote ${NBG} or SOVEREIGN_PROMOTE=${NBG}`);
    expect(folder(out)).toEqual(before);

    const confirmed = run(['-c', file(NBG), '-o', out, '--promote', NBG]);
    expect(confirmed.status).toBe(0);
    expect(confirmed.stdout).toContain(`DR promotion confirmed: OpenBao primary ${FSN} -> ${NBG}`);
    expect(confirmed.stdout).toMatch(new RegExp(`\n +${NBG}: .*-${CRON.replace(/\./g, '\\.')}`));
    expect(confirmed.stdout).toMatch(/split brain/);

    const back = run(['-c', file(FSN), '-o', out], { SOVEREIGN_PROMOTE: FSN });
    expect(back.status).toBe(0);
    expect(folder(out)).toEqual(before);
  });
});
