import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CiliumNetworkPolicy, CiliumNetworkPolicySpecEgressToPortsPortsProtocol } from '../../imports/ciliumnetworkpolicies-cilium.io';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrules-monitoring.coreos.com';
import { IMAGE_REF } from '../common/kube-values';
import { dataKeyProblem, labelsProblems, objectNameProblem, throwIfProblems } from '../common/problems';
import { RegionContext, RegionRole } from '../common/region-context';
import { CILIUM_NAMESPACE_LABEL } from '../mesh/cluster-mesh';
import { SNAPSHOT_BACKUP, SNAPSHOT_BACKUP_POD_LABELS } from '../secrets/spiffe';
import { WorkloadIdentity } from '../secrets/workload-identity';
import { CERT_ROLES } from './acl-policy';
import type { OpenBaoRegion } from './openbao-region';
import { formatDuration, longestGapSeconds } from './replication-mechanism';
import { openbaoCaVolume, quantities, regionNodeAffinity, restrictedContainer, svidClientEnv, svidClientMounts, svidJobPodSecurity, svidVolume, WORK_DIR } from './pod-parts';
import { SNAPSHOT_SAVE_SCRIPT, SNAPSHOT_UPLOAD_SCRIPT } from './snapshot-backup-scripts';

/** The S3-compatible bucket the snapshots go to; credentials are a Secret reference, never values. */
export interface SnapshotObjectStore {
  /** `https://` endpoint of the S3-compatible service (scheme, host, optional port). */
  readonly endpoint: string;
  /** Bucket name; it must exist (the job never creates one). */
  readonly bucket: string;
  /** Folder in the bucket; snapshots go to `<path>/openbao/<region>/`. @default - the Sovereign name */
  readonly path?: string;
  /** S3 region name, for providers that need one. @default - none (rclone's default) */
  readonly s3Region?: string;
  /** Secret in the OpenBao namespace with the access key pair. */
  readonly credentials: {
    readonly secretName: string;
    /** @default 'ACCESS_KEY_ID' */
    readonly accessKeyIdKey?: string;
    /** @default 'ACCESS_SECRET_KEY' */
    readonly secretAccessKeyKey?: string;
  };
  /** Secret in the OpenBao namespace with the CA that signed the endpoint's certificate. @default - the image's public roots */
  readonly caBundle?: { readonly secretName: string; /** @default 'ca.crt' */ readonly key?: string };
}

/** Whether and how the backup's alerting rules are rendered. */
export interface SnapshotBackupAlertsProps {
  /** Render the PrometheusRule (needs the prometheus-operator CRDs and kube-state-metrics). @default true */
  readonly enabled?: boolean;
  /** Labels the Prometheus `ruleSelector` matches. @default { release: 'kube-prometheus-stack' } */
  readonly ruleLabels?: Readonly<Record<string, string>>;
}

export interface OpenBaoSnapshotBackupProps {
  /** The Sovereign's primary OpenBao; the backup renders into its chart and snapshots its active node. */
  readonly openbao: OpenBaoRegion;
  /** Where the snapshots are stored. */
  readonly objectStore: SnapshotObjectStore;
  /** Five-field cron schedule of the snapshots (UTC). @default '0 * * * *' (hourly) */
  readonly schedule?: string;
  /** How long snapshots are kept: `<n>d`, `<n>w` or `<n>m` (months of 30 days). @default '30d' */
  readonly retention?: string;
  /**
   * Delete this region's snapshots older than `retention` after each verified upload. Turn it off when a bucket
   * lifecycle rule expires them instead (the credential then needs no delete right).
   * @default true
   */
  readonly prune?: boolean;
  /** The S3 client image (rclone); pin a digest for repeatable deployments. @default 'rclone/rclone:1.74.4' */
  readonly image?: string;
  /** Disk-backed scratch space for one snapshot, in Mi or Gi. @default - the region's Raft volume size */
  readonly scratchSize?: string;
  /** How the backup's identity is issued. @default WorkloadIdentity.spiffeCertificate() */
  readonly identity?: WorkloadIdentity;
  /** The backup's PrometheusRule. @default rendered, labelled `release: kube-prometheus-stack` */
  readonly alerts?: SnapshotBackupAlertsProps;
}

/** Name of the CronJob (kube-state-metrics labels its metrics `cronjob=<name>`). */
export const SNAPSHOT_BACKUP_CRONJOB = 'openbao-snapshot-backup';
/** rclone 1.74.4: a stable patch release whose flags and exit codes the upload script cites. */
const DEFAULT_IMAGE = 'rclone/rclone:1.74.4';
// The same forms the config schema accepts (lib/sovereign/config-schema.ts objectStoreSchema).
const ENDPOINT = /^https:\/\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?\/?$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const FOLDER = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RETENTION = /^[1-9][0-9]*[dwm]$/;
const IPV4 = /^[0-9]{1,3}(\.[0-9]{1,3}){3}$/;
/** Each transfer (save, upload, download back) is cut off after this long; the Job after all of them. */
const TRANSFER_TIMEOUT_SECONDS = 900;
const JOB_DEADLINE_SECONDS = 3600;
const S3_CA_DIR = '/s3-ca';
const SNAPSHOT_DIR = '/snapshot';
/** rclone reads the remote `backup:` from `RCLONE_CONFIG_BACKUP_*` (rclone v1.74.4 docs/content/docs.md "Config file"). */
const REMOTE = 'backup';

/**
 * Scheduled Raft snapshots of the primary region's OpenBao, uploaded to the primary region's object store and kept
 * for `retention` (§8 durability): the history a replica lacks, since a secret deleted on the primary is deleted on
 * every replica at its next restore. A CronJob in the OpenBao namespace logs in with its own SPIFFE identity
 * (`snapshot-backup`: snapshot read, nothing else), saves a snapshot of the region's active node, uploads it with a
 * SHA-256 sidecar, and succeeds only once the stored object's size and content (downloaded back) match; the alert is
 * driven by that success. Render it for the primary only: after a promotion the Sovereign renders it for the new one.
 */
export class OpenBaoSnapshotBackup extends Construct {
  public readonly schedule: string;
  /** Longest gap between two scheduled snapshots, in seconds. */
  public readonly intervalSeconds: number;
  /** How long snapshots are kept, as configured (`30d`, `4w`, `6m`). */
  public readonly retention: string;
  public readonly prune: boolean;
  /** Where the snapshots go: `s3://<bucket>/<path>/openbao/<region>/`. */
  public readonly destination: string;
  /** How much the newest stored snapshot may lag behind the primary (the RPO of a restore from the bucket). */
  public readonly recoveryPointBound: string;
  /** The PrometheusRule fires when the last verified snapshot is older than this many seconds. */
  public readonly alertAfterSeconds: number;

  constructor(scope: Construct, id: string, props: OpenBaoSnapshotBackupProps) {
    super(scope, id);
    const region = RegionContext.of(props.openbao);
    const store = props.objectStore;
    const problems: string[] = [];
    if (props.openbao.role !== RegionRole.PRIMARY) {
      problems.push(`openbao: ${region.region} is a replica (the primary is ${region.primaryRegion}); back up the primary, whose data every replica copies`);
    }
    if (RegionContext.of(this) !== region) problems.push(`the backup must be created inside the chart of the OpenBao it backs up (${region.region})`);
    if (typeof store?.endpoint !== 'string' || !ENDPOINT.test(store.endpoint)) {
      problems.push(`objectStore.endpoint: ${JSON.stringify(store?.endpoint)} must be an https:// URL of an S3-compatible endpoint (scheme and host, optional port), such as "https://fsn1.your-objectstorage.com"`);
    }
    if (typeof store?.bucket !== 'string' || !BUCKET.test(store.bucket)) problems.push(`objectStore.bucket: ${JSON.stringify(store?.bucket)} must be an S3 bucket name: 3-63 lowercase letters, digits, "." and "-"`);
    if (store?.path !== undefined && !FOLDER.test(store.path)) problems.push(`objectStore.path: ${JSON.stringify(store.path)} must be a folder path such as "omantel" or "backups/omantel" (no leading or trailing "/")`);
    if (store?.s3Region !== undefined && (typeof store.s3Region !== 'string' || store.s3Region.length === 0)) problems.push('objectStore.s3Region: must be a non-empty S3 region name, or be omitted');
    problems.push(
      ...[
        objectNameProblem('objectStore.credentials.secretName', store?.credentials?.secretName),
        dataKeyProblem('objectStore.credentials.accessKeyIdKey', store?.credentials?.accessKeyIdKey ?? 'ACCESS_KEY_ID'),
        dataKeyProblem('objectStore.credentials.secretAccessKeyKey', store?.credentials?.secretAccessKeyKey ?? 'ACCESS_SECRET_KEY'),
        ...(store?.caBundle !== undefined ? [objectNameProblem('objectStore.caBundle.secretName', store.caBundle.secretName), dataKeyProblem('objectStore.caBundle.key', store.caBundle.key ?? 'ca.crt')] : []),
      ].filter((p): p is string => p !== undefined),
    );
    const retention = props.retention ?? '30d';
    if (!RETENTION.test(retention)) problems.push(`retention: ${JSON.stringify(retention)} must be a whole number of days, weeks or months such as "30d", "4w" or "6m"`);
    const schedule = props.schedule ?? '0 * * * *';
    let intervalSeconds = 3600;
    try {
      intervalSeconds = longestGapSeconds(schedule);
    } catch (error) {
      problems.push(`schedule: ${(error as Error).message.replace(/^replication schedule/, 'the schedule')}`);
    }
    if (props.image !== undefined && !IMAGE_REF.test(props.image)) problems.push(`image: ${JSON.stringify(props.image)} is not an image reference such as "${DEFAULT_IMAGE}"`);
    if (props.scratchSize !== undefined && !/^[1-9][0-9]*(Mi|Gi)$/.test(props.scratchSize)) problems.push(`scratchSize: ${JSON.stringify(props.scratchSize)} must be a whole number of Mi or Gi, such as "1Gi"`);
    problems.push(...labelsProblems('alerts.ruleLabels', props.alerts?.ruleLabels));
    throwIfProblems(`OpenBaoSnapshotBackup ${region.region}`, problems);

    this.schedule = schedule;
    this.intervalSeconds = intervalSeconds;
    this.retention = retention;
    this.prune = props.prune ?? true;
    const folder = `${store.path ?? region.sovereign}/openbao/${region.region}`;
    this.destination = `s3://${store.bucket}/${folder}/`;
    this.recoveryPointBound = `up to ${formatDuration(intervalSeconds)} plus one run (the interval of "${schedule}", and the time a snapshot and its upload take)`;
    // Two missed snapshots, and the time a run may take: one failed run alone does not page.
    this.alertAfterSeconds = 2 * intervalSeconds + JOB_DEADLINE_SECONDS;

    const openbao = props.openbao;
    const ns = openbao.namespace;
    const labels = { ...region.commonLabels, ...SNAPSHOT_BACKUP_POD_LABELS };
    const meta = (name: string) => ({ name, namespace: ns, labels });
    const credentials = (props.identity ?? WorkloadIdentity.spiffeCertificate()).bind(this, 'Identity', {
      workload: { ...SNAPSHOT_BACKUP, namespace: ns },
      trustDomain: region.trustDomain,
      issuer: region.svidIssuer,
      labels,
    });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta(SNAPSHOT_BACKUP.serviceAccount), automountServiceAccountToken: false });

    const resources = { requests: quantities({ cpu: '50m', memory: '64Mi' }), limits: quantities({ memory: '256Mi' }) };
    const snapshotFile = `${SNAPSHOT_DIR}/raft.snap`;
    const secretEnv = (name: string, key: string): k8s.EnvVar => ({ name, valueFrom: { secretKeyRef: { name: store.credentials.secretName, key } } });
    const rclone = (option: string, value: string): k8s.EnvVar => ({ name: `RCLONE_CONFIG_${REMOTE.toUpperCase()}_${option}`, value });
    new k8s.KubeCronJob(this, 'Resource', {
      metadata: meta(SNAPSHOT_BACKUP_CRONJOB),
      spec: {
        schedule,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: Math.min(intervalSeconds, 300),
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 1,
            activeDeadlineSeconds: JOB_DEADLINE_SECONDS,
            ttlSecondsAfterFinished: 86400,
            template: {
              metadata: { labels },
              spec: {
                serviceAccountName: SNAPSHOT_BACKUP.serviceAccount,
                automountServiceAccountToken: false,
                restartPolicy: 'Never',
                // Both containers run as uid 100, so the upload can read the 0600 snapshot the save wrote.
                securityContext: svidJobPodSecurity(),
                affinity: { nodeAffinity: regionNodeAffinity(region) },
                initContainers: [
                  {
                    name: 'snapshot',
                    image: openbao.image,
                    imagePullPolicy: 'IfNotPresent',
                    command: ['/bin/sh', '-c', SNAPSHOT_SAVE_SCRIPT],
                    env: [
                      // The region's own active node: the job never leaves its cluster to reach OpenBao.
                      { name: 'BAO_ADDR', value: openbao.activeUrl },
                      ...svidClientEnv(credentials),
                      { name: 'BACKUP_ROLE', value: CERT_ROLES.snapshotBackup },
                      { name: 'SNAPSHOT', value: snapshotFile },
                      { name: 'TRANSFER_TIMEOUT_SECONDS', value: String(TRANSFER_TIMEOUT_SECONDS) },
                      { name: 'HOME', value: WORK_DIR },
                    ],
                    resources,
                    securityContext: restrictedContainer(),
                    volumeMounts: [
                      ...svidClientMounts(),
                      { name: 'snapshot', mountPath: SNAPSHOT_DIR },
                      { name: 'work', mountPath: WORK_DIR },
                    ],
                  },
                ],
                containers: [
                  {
                    name: 'upload',
                    image: props.image ?? DEFAULT_IMAGE,
                    imagePullPolicy: 'IfNotPresent',
                    command: ['/bin/sh', '-c', SNAPSHOT_UPLOAD_SCRIPT],
                    env: [
                      { name: 'SNAPSHOT', value: snapshotFile },
                      { name: 'DESTINATION', value: `${REMOTE}:${store.bucket}/${folder}` },
                      { name: 'DESTINATION_URL', value: `s3://${store.bucket}/${folder}` },
                      // rclone ages: d, w and M (30 days); its "m" would be minutes (rclone v1.74.4 fs/parseduration.go).
                      { name: 'RETENTION', value: retention.replace(/m$/, 'M') },
                      { name: 'PRUNE', value: String(this.prune) },
                      { name: 'TRANSFER_TIMEOUT_SECONDS', value: String(TRANSFER_TIMEOUT_SECONDS) },
                      { name: 'WORK_DIR', value: WORK_DIR },
                      { name: 'HOME', value: WORK_DIR },
                      // No config file: the remote lives in the environment, the file in memory (docs/content/docs.md "Config file").
                      { name: 'RCLONE_CONFIG', value: '/dev/null' },
                      rclone('TYPE', 's3'),
                      rclone('PROVIDER', 'Other'),
                      rclone('ENDPOINT', store.endpoint),
                      ...(store.s3Region !== undefined ? [rclone('REGION', store.s3Region)] : []),
                      // The bucket is the operator's: never try to create it (backend/s3/s3.go no_check_bucket).
                      rclone('NO_CHECK_BUCKET', 'true'),
                      secretEnv(`RCLONE_CONFIG_${REMOTE.toUpperCase()}_ACCESS_KEY_ID`, store.credentials.accessKeyIdKey ?? 'ACCESS_KEY_ID'),
                      secretEnv(`RCLONE_CONFIG_${REMOTE.toUpperCase()}_SECRET_ACCESS_KEY`, store.credentials.secretAccessKeyKey ?? 'ACCESS_SECRET_KEY'),
                      // --ca-cert as an environment variable (docs/content/docs.md "--ca-cert", "Environment variables").
                      ...(store.caBundle !== undefined ? [{ name: 'RCLONE_CA_CERT', value: `${S3_CA_DIR}/ca.crt` }] : []),
                    ],
                    resources,
                    securityContext: restrictedContainer(),
                    volumeMounts: [
                      { name: 'snapshot', mountPath: SNAPSHOT_DIR },
                      { name: 'work', mountPath: WORK_DIR },
                      ...(store.caBundle !== undefined ? [{ name: 's3-ca', mountPath: S3_CA_DIR, readOnly: true }] : []),
                    ],
                  },
                ],
                volumes: [
                  svidVolume('svid', credentials),
                  openbaoCaVolume('openbao-ca', openbao.caSecretName),
                  // Disk-backed and sized for one snapshot; its content is barrier-encrypted, as on the Raft volume.
                  { name: 'snapshot', emptyDir: { sizeLimit: k8s.Quantity.fromString(props.scratchSize ?? openbao.storageSize) } },
                  { name: 'work', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('16Mi') } },
                  ...(store.caBundle !== undefined ? [{ name: 's3-ca', secret: { secretName: store.caBundle.secretName, items: [{ key: store.caBundle.key ?? 'ca.crt', path: 'ca.crt' }] } }] : []),
                ],
              },
            },
          },
        },
      },
    });

    // The namespace denies everything by default (OpenBaoNetworkPolicies); its egress policy already lets every pod
    // reach DNS and the servers' API. What the backup adds: the servers admit it, and it may reach the object store.
    // The servers admit this Job on 8200 through OpenBaoRegion's own ingress policy (openbao-server-ingress), pinned to
    // the local cluster like every local caller.
    const endpoint = new URL(store.endpoint);
    const port = endpoint.port === '' ? '443' : endpoint.port;
    const tcp = CiliumNetworkPolicySpecEgressToPortsPortsProtocol.TCP;
    new CiliumNetworkPolicy(this, 'ObjectStoreEgress', {
      metadata: meta('openbao-snapshot-backup-object-store'),
      spec: {
        endpointSelector: { matchLabels: { ...SNAPSHOT_BACKUP_POD_LABELS } },
        egress: [
          // toFQDNs learns the endpoint's addresses from the answers Cilium's DNS proxy sees, so DNS must pass through
          // it: an L7 DNS rule on the lookups (Cilium docs, security/policy/language "DNS based").
          {
            toEndpoints: [{ matchLabels: { [CILIUM_NAMESPACE_LABEL]: 'kube-system', 'k8s:k8s-app': 'kube-dns' } }],
            toPorts: [{ ports: [{ port: '53', protocol: CiliumNetworkPolicySpecEgressToPortsPortsProtocol.UDP }, { port: '53', protocol: tcp }], rules: { dns: [{ matchPattern: '*' }] } }],
          },
          IPV4.test(endpoint.hostname)
            ? { toCidr: [`${endpoint.hostname}/32`], toPorts: [{ ports: [{ port, protocol: tcp }] }] }
            : { toFqdNs: [{ matchName: endpoint.hostname }], toPorts: [{ ports: [{ port, protocol: tcp }] }] },
        ],
      },
    });

    // The rules are optional, so the prometheus-operator CRDs are not a hard dependency.
    if (props.alerts?.enabled ?? true) {
      // kube-state-metrics exports the CronJob's status.lastSuccessfulTime, labelled namespace and cronjob, and no
      // series at all before the first success (kubernetes/kube-state-metrics internal/store/cronjob.go, v2.20.0).
      const selector = `namespace="${ns}",cronjob="${SNAPSHOT_BACKUP_CRONJOB}"`;
      const after = formatDuration(this.alertAfterSeconds);
      new PrometheusRule(this, 'Alerts', {
        metadata: { ...meta('openbao-snapshot-backup'), labels: { ...labels, ...(props.alerts?.ruleLabels ?? { release: 'kube-prometheus-stack' }) } },
        spec: {
          groups: [
            {
              name: 'openbao-snapshot-backup',
              rules: [
                {
                  alert: 'OpenBaoSnapshotBackupStale',
                  expr: PrometheusRuleSpecGroupsRulesExpr.fromString(`time() - kube_cronjob_status_last_successful_time{${selector}} > ${this.alertAfterSeconds}`),
                  for: '1m',
                  labels: { severity: 'warning', region: region.region },
                  annotations: {
                    summary: `No verified OpenBao snapshot of ${region.region} has been stored in ${this.destination} for more than ${after}`,
                    description: `A restore from the bucket would lose more than ${after} of writes. Check the failed ${SNAPSHOT_BACKUP_CRONJOB} Jobs in namespace ${ns} (containers snapshot and upload say which step failed).`,
                  },
                },
                {
                  alert: 'OpenBaoSnapshotBackupNeverSucceeded',
                  expr: PrometheusRuleSpecGroupsRulesExpr.fromString(`absent(kube_cronjob_status_last_successful_time{${selector}})`),
                  for: after,
                  labels: { severity: 'warning', region: region.region },
                  annotations: { summary: `No OpenBao snapshot of ${region.region} has ever been stored and verified in ${this.destination}` },
                },
              ],
            },
          ],
        },
      });
    }
  }
}
