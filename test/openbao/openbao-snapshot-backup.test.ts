import { App, Chart } from 'cdk8s';
import { RegionContext, RegionRole } from '../../lib/common/region-context';
import { OpenBaoRegion } from '../../lib/openbao/openbao-region';
import { OpenBaoSnapshotBackup, type OpenBaoSnapshotBackupProps, type SnapshotObjectStore } from '../../lib/openbao/openbao-snapshot-backup';
import { SNAPSHOT_SAVE_SCRIPT, SNAPSHOT_UPLOAD_SCRIPT } from '../../lib/openbao/snapshot-backup-scripts';
import { OpenBaoSeal } from '../../lib/openbao/seal';
import type { SovereignConfigInput } from '../../lib/sovereign/config-types';
import { Sovereign } from '../../lib/sovereign/sovereign';
import { resolveSovereignConfig } from '../../lib/sovereign/sovereign-config';
import { synthesizeSovereign } from '../../lib/sovereign/synthesize';
import { FSN, HEL, NBG, objectStore, threeRegions, twoRegions } from '../helpers/configs';
import { expectValidManifests, expectValidSovereign } from '../helpers/manifests';

function synth(config: SovereignConfigInput) {
  const output = synthesizeSovereign(resolveSovereignConfig(config));
  expectValidSovereign(output);
  return output;
}
const objectsOf = (output: ReturnType<typeof synth>, region: string) => output.regions.find((r) => r.region === region)!.objects as any[];
const find = (objects: any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const BACKUP_LABEL = { 'app.kubernetes.io/name': 'openbao-snapshot-backup' };
const backupObjects = (objects: any[]) => objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'openbao-snapshot-backup');
const cronJob = (objects: any[]) => find(objects, 'CronJob', 'openbao-snapshot-backup');
const podOf = (objects: any[]) => cronJob(objects).spec.jobTemplate.spec.template.spec;
const envOf = (container: any) => Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

describe('OpenBaoSnapshotBackup in a Sovereign', () => {
  const output = synth(twoRegions());
  const primary = objectsOf(output, FSN);
  const pod = podOf(primary);
  const [save] = pod.initContainers;
  const [upload] = pod.containers;

  test('snapshot: the backup objects of the primary region', () => {
    expect(backupObjects(primary)).toMatchSnapshot();
  });

  test('renders in the primary region only, in namespace openbao, hourly by default', () => {
    expect(backupObjects(objectsOf(output, HEL))).toEqual([]);
    expect(cronJob(primary).metadata.namespace).toBe('openbao');
    expect(cronJob(primary).spec).toMatchObject({ schedule: '0 * * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 300 });
    expect(cronJob(primary).spec.jobTemplate.spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 3600 });
    expect(backupObjects(primary).map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Certificate/openbao-snapshot-backup-svid',
      'CiliumNetworkPolicy/openbao-snapshot-backup-object-store',
      'CronJob/openbao-snapshot-backup',
      'PrometheusRule/openbao-snapshot-backup',
      'ServiceAccount/openbao-snapshot-backup',
    ]);
  });

  test('the snapshot container logs in with its own SVID to the local active node and saves a snapshot', () => {
    expect(save.name).toBe('snapshot');
    expect(save.image).toBe('quay.io/openbao/openbao:2.6.2');
    expect(save.command).toEqual(['/bin/sh', '-c', SNAPSHOT_SAVE_SCRIPT]);
    expect(envOf(save)).toMatchObject({
      BAO_ADDR: 'https://openbao-active.openbao.svc:8200',
      BAO_CLIENT_CERT: '/svid/tls.crt',
      BAO_CLIENT_KEY: '/svid/tls.key',
      BACKUP_ROLE: 'snapshot-backup',
      SNAPSHOT: '/snapshot/raft.snap',
      TRANSFER_TIMEOUT_SECONDS: '900',
    });
    const svid = find(primary, 'Certificate', 'openbao-snapshot-backup-svid');
    expect(svid.spec.uris).toEqual(['spiffe://omantel.example/ns/openbao/sa/openbao-snapshot-backup']);
    expect(pod.volumes.find((v: any) => v.name === 'svid').secret).toEqual({ secretName: 'openbao-snapshot-backup-svid', defaultMode: 0o400 });
    // Least privilege across the two containers: the SVID only in the one that talks to OpenBao, the S3 keys only in the other.
    expect(save.volumeMounts.map((m: any) => m.name)).toContain('svid');
    expect(upload.volumeMounts.map((m: any) => m.name)).not.toContain('svid');
    expect(JSON.stringify(save.env)).not.toContain('backup-s3');
  });

  test('the upload container is a pinned rclone, with the credentials from the Secret by reference only', () => {
    expect(upload.image).toBe('rclone/rclone:1.74.4');
    expect(upload.command).toEqual(['/bin/sh', '-c', SNAPSHOT_UPLOAD_SCRIPT]);
    const env = envOf(upload);
    expect(env).toMatchObject({
      DESTINATION: `backup:backups-${FSN}/omantel/openbao/${FSN}`,
      DESTINATION_URL: `s3://backups-${FSN}/omantel/openbao/${FSN}`,
      RETENTION: '30d',
      PRUNE: 'true',
      RCLONE_CONFIG: '/dev/null',
      RCLONE_CONFIG_BACKUP_TYPE: 's3',
      RCLONE_CONFIG_BACKUP_PROVIDER: 'Other',
      RCLONE_CONFIG_BACKUP_ENDPOINT: `https://${FSN}.objects.example`,
      RCLONE_CONFIG_BACKUP_NO_CHECK_BUCKET: 'true',
      RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID: { secretKeyRef: { name: 'backup-s3', key: 'ACCESS_KEY_ID' } },
      RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY: { secretKeyRef: { name: 'backup-s3', key: 'ACCESS_SECRET_KEY' } },
    });
    expect(env.RCLONE_CONFIG_BACKUP_REGION).toBeUndefined();
    expect(env.RCLONE_CA_CERT).toBeUndefined();
    for (const variable of upload.env.filter((e: any) => /KEY/.test(e.name))) expect(variable.value).toBeUndefined();
  });

  test('Pod Security restricted: non-root, read-only root, no escalation, RuntimeDefault seccomp, ALL dropped; scratch on emptyDirs', () => {
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 100, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    for (const container of [save, upload]) {
      expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
      expect(envOf(container).HOME).toBe('/work');
    }
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.volumes).toContainEqual({ name: 'snapshot', emptyDir: { sizeLimit: '10Gi' } });
    expect(pod.volumes).toContainEqual({ name: 'work', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } });
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([{ key: 'topology.kubernetes.io/region', operator: 'In', values: [FSN] }]);
  });

  test('network: the servers admit the job on 8200; the job may reach DNS (through the DNS proxy) and the object store only', () => {
    // The servers' own ingress policy admits the job on 8200, from this namespace and this cluster only.
    expect(find(primary, 'CiliumNetworkPolicy', 'openbao-server-ingress').spec.ingress[0]).toMatchObject({
      fromEndpoints: expect.arrayContaining([{ matchLabels: { ...BACKUP_LABEL, 'k8s:io.kubernetes.pod.namespace': 'openbao', 'io.cilium.k8s.policy.cluster': 'fsn' } }]),
      toPorts: [{ ports: [{ port: '8200', protocol: 'TCP' }] }],
    });
    const egress = find(primary, 'CiliumNetworkPolicy', 'openbao-snapshot-backup-object-store').spec;
    expect(egress.endpointSelector).toEqual({ matchLabels: BACKUP_LABEL });
    expect(egress.egress[0].toPorts[0].rules).toEqual({ dns: [{ matchPattern: '*' }] });
    expect(egress.egress[1]).toEqual({ toFQDNs: [{ matchName: `${FSN}.objects.example` }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] });
    // The namespace's own egress policy (every pod: DNS and the servers' API) still applies to the job's pods.
    expect(find(primary, 'NetworkPolicy', 'openbao-egress').spec.podSelector).toEqual({});
  });

  test('its identity is not admitted from any other cluster, and its role cannot restore', () => {
    const crossCluster = [FSN, HEL].flatMap((region) =>
      objectsOf(output, region)
        .filter((o) => o.kind === 'CiliumNetworkPolicy')
        .flatMap((o) => (o.spec.ingress ?? []).flatMap((rule: any) => rule.fromEndpoints ?? []))
        .filter((peer: any) => (peer.matchExpressions ?? []).some((e: any) => e.key === 'io.cilium.k8s.policy.cluster')),
    );
    expect(crossCluster.length).toBeGreaterThan(0);
    for (const peer of crossCluster) expect(peer.matchLabels['app.kubernetes.io/name']).not.toBe('openbao-snapshot-backup');
    const init = JSON.parse(find(primary, 'ConfigMap', 'openbao-config').data['initialize.json']);
    const policy = init.initialize.find((b: any) => b.policies).policies.request.find((r: any) => r['policy-snapshot-backup'])['policy-snapshot-backup'];
    expect(JSON.parse(policy.data.policy)).toEqual({ path: { 'sys/storage/raft/snapshot': { capabilities: ['read'] } } });
  });

  test('every region knows the role, so the backup can log in wherever the primary moves', () => {
    for (const region of [FSN, HEL]) {
      const init = JSON.parse(find(objectsOf(output, region), 'ConfigMap', 'openbao-config').data['initialize.json']);
      const role = init.initialize.find((b: any) => b['cert-roles'])['cert-roles'].request.find((r: any) => r['cert-role-snapshot-backup'])['cert-role-snapshot-backup'];
      expect(role.data).toMatchObject({ allowed_uri_sans: ['spiffe://omantel.example/ns/openbao/sa/openbao-snapshot-backup'], token_policies: ['snapshot-backup'] });
    }
  });

  test('the SVID gets an approval policy of exactly itself in the primary region', () => {
    const policy = find(primary, 'CertificateRequestPolicy', 'svid-openbao-openbao-snapshot-backup-svid');
    expect(policy.spec.allowed.uris).toEqual({ values: ['spiffe://omantel.example/ns/openbao/sa/openbao-snapshot-backup'], required: true });
  });
});

describe('OpenBaoSnapshotBackup configuration', () => {
  test('openbao.backup defaults: hourly, the pinned rclone, pruning on, alerts on', () => {
    expect(resolveSovereignConfig(twoRegions()).openbao.backup).toEqual({ schedule: '0 * * * *', image: 'rclone/rclone:1.74.4', prune: true, alerts: { enabled: true, ruleLabels: { release: 'kube-prometheus-stack' } } });
  });

  test('schedule, retention in months, no pruning, image, a CA bundle, an S3 region and a port are honoured', () => {
    const store = { ...objectStore(FSN), endpoint: 'https://s3.internal.example:9000', path: 'backups/omantel', s3Region: 'eu-central', caBundle: { secretName: 'backup-ca' }, credentials: { secretName: 's3', accessKeyIdKey: 'id', secretAccessKeyKey: 'secret' }, retention: { openbao: '6m' } };
    const output = synth(twoRegions({ regions: [{ name: FSN, objectStore: store }, { name: HEL }], openbao: { backup: { schedule: '30 2 * * *', prune: false, image: 'rclone/rclone:1.74.4@sha256:' + 'a'.repeat(64) } } }));
    const objects = objectsOf(output, FSN);
    const pod = podOf(objects);
    const env = envOf(pod.containers[0]);
    expect(cronJob(objects).spec.schedule).toBe('30 2 * * *');
    expect(env).toMatchObject({
      DESTINATION: `backup:backups-${FSN}/backups/omantel/openbao/${FSN}`,
      RETENTION: '6M',
      PRUNE: 'false',
      RCLONE_CONFIG_BACKUP_REGION: 'eu-central',
      RCLONE_CONFIG_BACKUP_ENDPOINT: 'https://s3.internal.example:9000',
      RCLONE_CA_CERT: '/s3-ca/ca.crt',
      RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID: { secretKeyRef: { name: 's3', key: 'id' } },
      RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY: { secretKeyRef: { name: 's3', key: 'secret' } },
    });
    expect(pod.containers[0].image).toBe(`rclone/rclone:1.74.4@sha256:${'a'.repeat(64)}`);
    expect(pod.volumes).toContainEqual({ name: 's3-ca', secret: { secretName: 'backup-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    expect(find(objects, 'CiliumNetworkPolicy', 'openbao-snapshot-backup-object-store').spec.egress[1]).toEqual({
      toFQDNs: [{ matchName: 's3.internal.example' }],
      toPorts: [{ ports: [{ port: '9000', protocol: 'TCP' }] }],
    });
  });

  test('an endpoint given by IPv4 address is reached by CIDR', () => {
    const output = synth(twoRegions({ regions: [{ name: FSN, objectStore: { ...objectStore(FSN), endpoint: 'https://192.0.2.10' } }, { name: HEL }] }));
    expect(find(objectsOf(output, FSN), 'CiliumNetworkPolicy', 'openbao-snapshot-backup-object-store').spec.egress[1]).toEqual({
      toCIDR: ['192.0.2.10/32'],
      toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }],
    });
  });

  test('after a promotion the backup follows the primary, to the new primary region\'s store', () => {
    const output = synth(threeRegions({ primaryRegion: HEL }));
    expect(backupObjects(objectsOf(output, FSN))).toEqual([]);
    expect(backupObjects(objectsOf(output, NBG))).toEqual([]);
    expect(envOf(podOf(objectsOf(output, HEL)).containers[0]).DESTINATION).toBe(`backup:backups-${HEL}/omantel/openbao/${HEL}`);
  });

  test('a primary region without an object store renders no backup (synth warns, --strict refuses)', () => {
    const config = resolveSovereignConfig(twoRegions({ regions: [{ name: FSN }, { name: HEL, objectStore: objectStore(HEL) }] }));
    const sovereign = new Sovereign(new App(), 'omantel', { config });
    expect(sovereign.snapshotBackup).toBeUndefined();
    expect(sovereign.warnings.join('\n')).toContain(`OpenBao (primary region ${FSN}: no Raft snapshots off-site)`);
    const output = synthesizeSovereign(sovereign);
    expect(output.regions.flatMap((r) => backupObjects(r.objects as any[]))).toEqual([]);
    expectValidSovereign(output);
  });

  test('the alerts are optional and their labels configurable', () => {
    const off = synth(twoRegions({ openbao: { backup: { alerts: { enabled: false } } } }));
    expect(find(objectsOf(off, FSN), 'PrometheusRule', 'openbao-snapshot-backup')).toBeUndefined();
    const custom = synth(twoRegions({ openbao: { backup: { alerts: { ruleLabels: { prometheus: 'platform' } } } } }));
    const rule = find(objectsOf(custom, FSN), 'PrometheusRule', 'openbao-snapshot-backup');
    expect(rule.metadata.labels).toMatchObject({ prometheus: 'platform' });
    expect(rule.metadata.labels.release).toBeUndefined();
  });

  test('the Sovereign exposes the backup\'s destination, retention and bounds', () => {
    const sovereign = new Sovereign(new App(), 'omantel', { config: resolveSovereignConfig(twoRegions()) });
    expect(sovereign.snapshotBackup).toMatchObject({
      schedule: '0 * * * *',
      intervalSeconds: 3600,
      retention: '30d',
      prune: true,
      destination: `s3://backups-${FSN}/omantel/openbao/${FSN}/`,
      alertAfterSeconds: 3 * 3600,
    });
    expect(sovereign.snapshotBackup!.recoveryPointBound).toBe('up to 1h plus one run (the interval of "0 * * * *", and the time a snapshot and its upload take)');
  });
});

describe('OpenBaoSnapshotBackup composed by hand', () => {
  const STORE: SnapshotObjectStore = { endpoint: 'https://objects.example', bucket: 'acme-backups', credentials: { secretName: 'backup-s3' } };
  function regions() {
    const app = new App();
    const primary = new Chart(app, 'primary');
    RegionContext.provide(primary, { sovereign: 'acme', region: FSN, clusterName: 'fsn', trustDomain: 'acme.example', peerClusterNames: ['hel'] });
    const replica = new Chart(app, 'replica');
    RegionContext.provide(replica, { sovereign: 'acme', region: HEL, clusterName: 'hel', role: RegionRole.REPLICA, primaryRegion: FSN, trustDomain: 'acme.example' });
    const seal = OpenBaoSeal.staticKey({ keyId: '1', secretName: 'openbao-seal' });
    return { app, primary, replica, primaryBao: new OpenBaoRegion(primary, 'openbao', { seal }), replicaBao: new OpenBaoRegion(replica, 'openbao', { seal }) };
  }
  const backup = (overrides: Partial<OpenBaoSnapshotBackupProps> = {}) => {
    const { primary, primaryBao } = regions();
    return new OpenBaoSnapshotBackup(primary, 'backup', { openbao: primaryBao, objectStore: STORE, ...overrides });
  };

  test('renders into a chart the user owns, under the Sovereign name by default', () => {
    const { app, primary, primaryBao } = regions();
    const made = new OpenBaoSnapshotBackup(primary, 'backup', { openbao: primaryBao, objectStore: STORE });
    expect(made.destination).toBe(`s3://acme-backups/acme/openbao/${FSN}/`);
    const objects = app.charts.find((c) => c === primary)!.toJson();
    expect(backupObjects(objects).length).toBe(5);
    expectValidManifests(objects);
  });

  test('fails when the OpenBao is a replica: back up the primary', () => {
    const { replica, replicaBao } = regions();
    expect(() => new OpenBaoSnapshotBackup(replica, 'backup', { openbao: replicaBao, objectStore: STORE })).toThrow(
      `openbao: ${HEL} is a replica (the primary is ${FSN}); back up the primary, whose data every replica copies`,
    );
  });

  test('fails when created in another region\'s chart', () => {
    const { replica, primaryBao } = regions();
    expect(() => new OpenBaoSnapshotBackup(replica, 'backup', { openbao: primaryBao, objectStore: STORE })).toThrow(`the backup must be created inside the chart of the OpenBao it backs up (${FSN})`);
  });

  test('fails when the object store is not an https S3 endpoint with a bucket, a folder and Secret references', () => {
    expect(() =>
      backup({
        objectStore: { endpoint: 'http://objects.example', bucket: 'B', path: '/abs/', credentials: { secretName: 'Bad_Name', accessKeyIdKey: 'a key' }, caBundle: { secretName: 'ca', key: 'k/ey' } },
      }),
    ).toThrow(
      new RegExp(
        [
          `OpenBaoSnapshotBackup ${FSN} is invalid:`,
          '  - objectStore.endpoint: "http://objects.example" must be an https:// URL',
          '  - objectStore.bucket: "B" must be an S3 bucket name',
          '  - objectStore.path: "/abs/" must be a folder path',
          '  - objectStore.credentials.secretName: "Bad_Name" must be a DNS-1123 subdomain',
          '  - objectStore.credentials.accessKeyIdKey: "a key" must be a data key',
          '  - objectStore.caBundle.key: "k/ey" must be a data key',
        ]
          .map((line) => line.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
          .join('[^]*'),
      ),
    );
  });

  test('fails when the retention, schedule, image, scratch size or rule labels are malformed', () => {
    expect(() => backup({ retention: '30 days', schedule: '* *', image: 'Not An Image', scratchSize: '10G', alerts: { ruleLabels: { 'bad key!': 'x' } } })).toThrow(
      /retention: "30 days" must be a whole number of days, weeks or months such as "30d", "4w" or "6m"[^]*schedule: the schedule "\* \*" must be a five-field cron expression[^]*image: "Not An Image" is not an image reference[^]*scratchSize: "10G" must be a whole number of Mi or Gi[^]*alerts\.ruleLabels: "bad key!" is not a label key/,
    );
  });

  test('fails when the config names a malformed backup schedule or image', () => {
    expect(() => resolveSovereignConfig(twoRegions({ openbao: { backup: { schedule: 'hourly', image: 'Bad Image' } } }))).toThrow(
      /openbao\.backup\.schedule: .*must be a five-field cron expression such as "0 \* \* \* \*"[^]*openbao\.backup\.image: .*must be an image reference/,
    );
  });
});
