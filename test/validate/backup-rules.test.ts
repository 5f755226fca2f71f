import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { type KubeObject, synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { formatViolation } from '../../lib/validate/violation';
import { FSN, HEL, twoRegions } from '../helpers/configs';
import { expectValidSovereign, sharedValidator } from '../helpers/manifests';

// The validator's backup rule: every Barman Cloud reference among one cluster's objects points at something. Each case
// starts from a rendering that passes and breaks one reference.

const MYDB = { name: 'mydb', namespace: 'tenant-a' };

function region(name: string, database: Record<string, unknown> = {}): any[] {
  const output = synthesizeSovereign(resolveSovereignConfig(twoRegions({ hotStandby: { enabled: true, replicaRegion: HEL }, databases: [{ ...MYDB, ...database } as any] })));
  expectValidSovereign(output);
  return structuredClone(output.regions.find((r) => r.region === name)!.objects) as KubeObject[] as any[];
}
const backupViolations = (objects: readonly unknown[]) =>
  sharedValidator()
    .validateObjects(objects)
    .filter((v) => v.rule === 'backup')
    .map(formatViolation);
const without = (objects: any[], kind: string, name: string) => objects.filter((o) => !(o.kind === kind && o.metadata.name === name));
const find = (objects: any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('validator rule: backup references', () => {
  test('the rendered regions pass, in every topology', () => {
    for (const database of [{}, { promoted: true }, { topology: 'distributed' }, { restore: { targetTime: '2026-11-24T10:14:00Z' } }]) {
      for (const name of [FSN, HEL]) expect(backupViolations(region(name, database))).toEqual([]);
    }
  });

  test('fails when the WAL archiver names an ObjectStore that is not rendered (a missing store reference)', () => {
    // GIVEN the primary region WHEN its Cluster's ObjectStore is missing THEN the Cluster and the ScheduledBackup say so
    expect(backupViolations(without(region(FSN), 'ObjectStore', 'mydb-store'))).toEqual([
      'Cluster/tenant-a/mydb: spec.plugins[0].parameters.barmanObjectName: names ObjectStore tenant-a/mydb-store, which is not rendered for this cluster; WAL archiving and backups would fail [backup]',
      'ScheduledBackup/tenant-a/mydb-backup: spec.cluster.name: Cluster tenant-a/mydb archives no WAL through barman-cloud.cloudnative-pg.io (no isWALArchiver plugin with an existing barmanObjectName); a base backup without its WAL restores nothing [backup]',
    ]);
  });

  test('fails when a replica reads an archive through an ObjectStore that is not rendered', () => {
    expect(backupViolations(without(region(HEL), 'ObjectStore', 'mydb-store'))).toEqual([
      'Cluster/tenant-a/mydb-replica: spec.externalClusters[0].plugin.parameters.barmanObjectName: names ObjectStore tenant-a/mydb-store, which is not rendered for this cluster; WAL restore from that archive would fail [backup]',
    ]);
  });

  test('fails when an ObjectStore names no credentials, or only half of them (a missing credential reference)', () => {
    const objects = region(FSN);
    delete find(objects, 'ObjectStore', 'mydb-store').spec.configuration.s3Credentials;
    expect(backupViolations(objects)).toEqual([
      'ObjectStore/tenant-a/mydb-store: spec.configuration.s3Credentials: names no credentials; reference the Secret (name and keys) holding the access key id and secret access key [backup]',
    ]);
    const half = region(FSN);
    delete find(half, 'ObjectStore', 'mydb-store').spec.configuration.s3Credentials.secretAccessKey;
    expect(backupViolations(half)).toEqual([
      'ObjectStore/tenant-a/mydb-store: spec.configuration.s3Credentials.secretAccessKey: names no Secret and key for secretAccessKey; reference the Secret holding it (never the value) [backup]',
    ]);
    const iam = region(FSN);
    find(iam, 'ObjectStore', 'mydb-store').spec.configuration.s3Credentials = { inheritFromIAMRole: true };
    expect(backupViolations(iam)).toEqual([]);
  });

  test('fails when a ScheduledBackup names a Cluster that is not rendered, or one that archives nothing', () => {
    const objects = region(FSN);
    find(objects, 'ScheduledBackup', 'mydb-backup').spec.cluster.name = 'other';
    expect(backupViolations(objects)).toEqual([
      'ScheduledBackup/tenant-a/mydb-backup: spec.cluster.name: names Cluster tenant-a/other, which is not rendered for this cluster; the backup could never run [backup]',
    ]);
    const replicaSide = region(HEL);
    replicaSide.push({ ...find(region(FSN), 'ScheduledBackup', 'mydb-backup'), metadata: { name: 'wrong', namespace: 'tenant-a' }, spec: { ...find(region(FSN), 'ScheduledBackup', 'mydb-backup').spec, cluster: { name: 'mydb-replica' } } });
    expect(backupViolations(replicaSide)).toEqual([expect.stringContaining('ScheduledBackup/tenant-a/wrong: spec.cluster.name: Cluster tenant-a/mydb-replica archives no WAL')]);
  });

  test('fails when two Clusters archive into one folder, or one Cluster names two WAL archivers', () => {
    const objects = region(FSN);
    const twin = structuredClone(find(objects, 'Cluster', 'mydb'));
    twin.metadata.name = 'twin';
    objects.push(twin);
    expect(backupViolations(objects)).toEqual([
      expect.stringMatching(/^Cluster\/tenant-a\/twin: spec\.plugins\[0\]\.parameters: archives to s3:\/\/backups-hz-fsn-rtz-prod\/omantel\/tenant-a\/mydb\/, where Cluster tenant-a\/mydb archives too; give each Cluster its own serverName \[backup\]$/),
    ]);
    const doubled = region(FSN);
    const cluster = find(doubled, 'Cluster', 'mydb');
    cluster.spec.plugins.push({ ...cluster.spec.plugins[0], parameters: { barmanObjectName: 'mydb-store', serverName: 'mydb-2' } });
    expect(backupViolations(doubled)).toContain('Cluster/tenant-a/mydb: spec.plugins: more than one plugin is marked isWALArchiver; CloudNativePG allows one WAL archiver per Cluster [backup]');
  });

  test('the CLI validate command reports it from files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'backup-rule-'));
    mkdirSync(join(dir, FSN));
    writeFileSync(join(dir, FSN, 'all.yaml'), without(region(FSN), 'ObjectStore', 'mydb-store').map((o) => stringify(o)).join('---\n'));
    const result = sharedValidator().validateDirectory(dir);
    expect(result.violations.filter((v) => v.rule === 'backup').map((v) => v.object)).toEqual(['Cluster/tenant-a/mydb', 'ScheduledBackup/tenant-a/mydb-backup']);
  });
});
