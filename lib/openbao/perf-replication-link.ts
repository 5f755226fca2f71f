import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CiliumNetworkPolicy, CiliumNetworkPolicySpecEgressToPortsPortsProtocol } from '../../imports/ciliumnetworkpolicies-cilium.io';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrules-monitoring.coreos.com';
import { REPLICATION_PULL, REPLICATION_RESTORE, REPLICATION_VERIFIER, REPLICATOR_POD_LABELS, REPLICATOR_WORKLOAD, type WorkloadRef } from '../secrets/spiffe';
import { type WorkloadCredentials, WorkloadIdentity } from '../secrets/workload-identity';
import { RegionContext, RegionRole } from '../common/region-context';
import { CERT_ROLES, heartbeatKey } from './acl-policy';
import { CILIUM_CLUSTER_LABEL, CILIUM_NAMESPACE_LABEL } from '../mesh/cluster-mesh';
import { type OpenBaoRegion, SERVER_LABELS } from './openbao-region';
import { RaftSnapshotMechanism, ReplicationMechanism, formatDuration } from './replication-mechanism';
import { CA_DIR, openbaoCaVolume, quantities, regionNodeAffinity, restrictedContainer, svidClientEnv, svidClientMounts, svidJobPodSecurity, svidVolume, WORK_DIR } from './pod-parts';
import { SNAPSHOT_RESTORE_SCRIPT, VERIFY_FRESHNESS_SCRIPT } from './replication-scripts';
import { labelsProblems, throwIfProblems } from '../common/problems';

export interface PerfReplicationLinkProps {
  /** The Sovereign's write primary. */
  readonly source: OpenBaoRegion;
  /** A replica region; the link's objects are rendered into its chart. */
  readonly target: OpenBaoRegion;
  /** @default ReplicationMechanism.raftSnapshot() */
  readonly mechanism?: ReplicationMechanism;
  /** How the replication identities (pull, restore, verify; the replicator for nativePerformance) are issued. @default WorkloadIdentity.spiffeCertificate() */
  readonly identity?: WorkloadIdentity;
  /** The raftSnapshot link's PrometheusRule. @default rendered, labelled `release: kube-prometheus-stack` */
  readonly alerts?: ReplicationAlertsProps;
}

/** Whether and how the link's alerting rules are rendered. */
export interface ReplicationAlertsProps {
  /** Render the PrometheusRule (needs the prometheus-operator CRDs and kube-state-metrics). @default true */
  readonly enabled?: boolean;
  /** Labels the Prometheus `ruleSelector` matches (kube-prometheus-stack selects `release: <its release name>`). @default { release: 'kube-prometheus-stack' } */
  readonly ruleLabels?: Readonly<Record<string, string>>;
}

const PULL_DIR = '/openbao/replication/pull';
const RESTORE_DIR = '/openbao/replication/restore';
const SNAPSHOT_DIR = '/openbao/replication/snapshot';
/** Succeeds only while the replica serves a recent heartbeat; the alert is driven by its last success. */
const VERIFIER_CRONJOB = 'openbao-replication-verifier';

// The script takes every value from the environment; nothing user-provided is spliced into shell text.
const LOGIN = `login() { BAO_ADDR="$1" bao login -no-store -token-only -method=cert -path=cert name=${CERT_ROLES.replicator}; }`;
const NATIVE_PERFORMANCE_SCRIPT = [
  'set -eu',
  LOGIN,
  'no_api() { echo "$1 does not implement the performance-replication API (sys/replication/performance/*): $2. Open-source OpenBao has no performance replication; use the raftSnapshot mechanism instead." >&2; exit 1; }',
  'primary_token="$(login "$PRIMARY_ADDR")"',
  'status="$(BAO_ADDR="$PRIMARY_ADDR" BAO_TOKEN="$primary_token" bao read -format=json sys/replication/performance/status 2>&1)" || no_api "the primary $PRIMARY_ADDR" "$status"',
  'local_token="$(login "$LOCAL_ADDR")"',
  'local_status="$(BAO_ADDR="$LOCAL_ADDR" BAO_TOKEN="$local_token" bao read -format=json sys/replication/performance/status 2>&1)" || no_api "the replica $LOCAL_ADDR" "$local_status"',
  'if printf "%s" "$local_status" | grep -q \'"mode": *"secondary"\'; then echo "already a performance secondary"; exit 0; fi',
  'if ! printf "%s" "$status" | grep -q \'"mode": *"primary"\'; then BAO_ADDR="$PRIMARY_ADDR" BAO_TOKEN="$primary_token" bao write -f sys/replication/performance/primary/enable; fi',
  'activation="$(BAO_ADDR="$PRIMARY_ADDR" BAO_TOKEN="$primary_token" bao write -field=token sys/replication/performance/primary/secondary-token id="$REPLICA_ID")"',
  'BAO_ADDR="$LOCAL_ADDR" BAO_TOKEN="$local_token" bao write sys/replication/performance/secondary/enable token="$activation"',
].join('\n');

/**
 * Replication from the Sovereign's primary OpenBao to one replica region (§5), declared primary -> replica and
 * rendered into the replica's chart. The link states its lag bound honestly: for `raftSnapshot` it is the schedule
 * interval, never "sub-second".
 */
export class PerfReplicationLink extends Construct {
  public readonly source: OpenBaoRegion;
  public readonly target: OpenBaoRegion;
  public readonly mechanism: ReplicationMechanism;
  /** How far the replica may lag behind the primary. */
  public readonly lagBound: string;
  /** For raftSnapshot: the PrometheusRule fires when the last success is older than this many seconds. */
  public readonly alertAfterSeconds?: number;

  constructor(scope: Construct, id: string, props: PerfReplicationLinkProps) {
    super(scope, id);
    const sourceRegion = RegionContext.of(props.source);
    const targetRegion = RegionContext.of(props.target);
    const mechanism = props.mechanism ?? ReplicationMechanism.raftSnapshot();
    const problems: string[] = [];
    if (props.source === props.target || sourceRegion.region === targetRegion.region) {
      problems.push(`a link from ${sourceRegion.region} to itself replicates nothing; link the primary to a replica region`);
    }
    if (props.source.role !== RegionRole.PRIMARY) {
      problems.push(`the source ${sourceRegion.region} is not the Sovereign's primary (${sourceRegion.primaryRegion}); links start at the primary`);
    }
    if (props.target.role === RegionRole.PRIMARY && props.source !== props.target) {
      problems.push(`the target ${targetRegion.region} is the primary; nothing replicates into the primary`);
    }
    if (sourceRegion.sovereign !== targetRegion.sovereign) {
      problems.push(`source and target belong to different Sovereigns (${sourceRegion.sovereign}, ${targetRegion.sovereign})`);
    }
    if (RegionContext.of(this) !== targetRegion) {
      problems.push(`the link must be created inside the target region's chart (${targetRegion.region})`);
    }
    problems.push(...labelsProblems('alerts.ruleLabels', props.alerts?.ruleLabels));
    if (mechanism instanceof RaftSnapshotMechanism && props.source.sealFingerprint !== props.target.sealFingerprint) {
      problems.push(
        `${targetRegion.region} uses a different seal than the primary (${props.target.sealFingerprint} vs ${props.source.sealFingerprint}); a restored snapshot can only be unsealed with the primary's key, so use the same static key id and Secret in every region`,
      );
    }
    throwIfProblems(`PerfReplicationLink ${sourceRegion.region} -> ${targetRegion.region}`, problems);
    this.source = props.source;
    this.target = props.target;
    this.mechanism = mechanism;
    this.lagBound = mechanism.lagBound;

    const ns = props.target.namespace;
    const labels = { ...targetRegion.commonLabels, ...REPLICATOR_POD_LABELS };
    const meta = (name: string) => ({ name, namespace: ns, labels });
    const identity = props.identity ?? WorkloadIdentity.spiffeCertificate();
    const bind = (id: string, workload: WorkloadRef) =>
      identity.bind(this, id, { workload: { ...workload, namespace: ns }, trustDomain: targetRegion.trustDomain, issuer: targetRegion.svidIssuer, labels });
    const jobPod = (serviceAccount: string, credentials: WorkloadCredentials, script: string, env: k8s.EnvVar[]): k8s.PodSpec => ({
      serviceAccountName: serviceAccount,
      automountServiceAccountToken: false,
      restartPolicy: 'Never',
      securityContext: svidJobPodSecurity(),
      affinity: { nodeAffinity: regionNodeAffinity(targetRegion) },
      containers: [
        {
          name: 'replicator',
          image: props.target.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/sh', '-c', script],
          env: [...svidClientEnv(credentials), { name: 'HOME', value: WORK_DIR }, ...env],
          resources: { requests: quantities({ cpu: '10m', memory: '32Mi' }), limits: quantities({ memory: '128Mi' }) },
          securityContext: restrictedContainer(),
          volumeMounts: [...svidClientMounts(), { name: 'work', mountPath: WORK_DIR }],
        },
      ],
      volumes: [
        svidVolume('svid', credentials),
        openbaoCaVolume('openbao-ca', props.target.caSecretName),
        { name: 'work', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('16Mi') } },
      ],
    });
    const egressToPrimary = (id: string, name: string, endpoint: Record<string, string>) =>
      // The callers reach the primary's servers in another cluster: Cilium must be told that cluster's name.
      new CiliumNetworkPolicy(this, id, {
        metadata: meta(name),
        spec: {
          endpointSelector: { matchLabels: endpoint },
          egress: [
            {
              toEndpoints: [{ matchLabels: { ...SERVER_LABELS, [CILIUM_NAMESPACE_LABEL]: props.source.namespace, [CILIUM_CLUSTER_LABEL]: sourceRegion.clusterName } }],
              toPorts: [{ ports: [{ port: '8200', protocol: CiliumNetworkPolicySpecEgressToPortsPortsProtocol.TCP }] }],
            },
          ],
        },
      });

    if (!(mechanism instanceof RaftSnapshotMechanism)) {
      const credentials = bind('Identity', REPLICATOR_WORKLOAD);
      new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta(REPLICATOR_WORKLOAD.serviceAccount), automountServiceAccountToken: false });
      egressToPrimary('PrimaryEgress', 'openbao-replicator-to-primary', { ...REPLICATOR_POD_LABELS });
      new k8s.KubeJob(this, 'Job', {
        metadata: meta('openbao-performance-secondary'),
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 600,
          template: {
            metadata: { labels },
            spec: jobPod(REPLICATOR_WORKLOAD.serviceAccount, credentials, NATIVE_PERFORMANCE_SCRIPT, [
              { name: 'PRIMARY_ADDR', value: props.source.primaryUrl },
              { name: 'LOCAL_ADDR', value: props.target.activeUrl },
              { name: 'REPLICA_ID', value: targetRegion.region },
            ]),
          },
        },
      });
      return;
    }

    // Pull and restore run beside the replica's servers: the restorer's role only admits loopback logins, so no
    // identity the primary admits from another cluster can ever restore, there or anywhere (§5).
    const raft = mechanism;
    const pull = bind('PullIdentity', REPLICATION_PULL);
    const restore = bind('RestoreIdentity', REPLICATION_RESTORE);
    const heartbeat = heartbeatKey(targetRegion.sovereign, targetRegion.region);
    props.target.addServerContainer(
      {
        name: 'snapshot-restore',
        image: props.target.image,
        imagePullPolicy: 'IfNotPresent',
        command: ['/bin/sh', '-c', SNAPSHOT_RESTORE_SCRIPT],
        env: [
          { name: 'PRIMARY_ADDR', value: props.source.primaryUrl },
          { name: 'LOCAL_ADDR', value: 'https://127.0.0.1:8200' },
          { name: 'BAO_CACERT', value: `${CA_DIR}/ca.crt` },
          { name: 'PULL_ROLE', value: CERT_ROLES.replicationPull },
          { name: 'PULL_SVID', value: PULL_DIR },
          { name: 'RESTORE_ROLE', value: CERT_ROLES.replicationRestore },
          { name: 'RESTORE_SVID', value: RESTORE_DIR },
          { name: 'HEARTBEAT_KEY', value: heartbeat },
          { name: 'INTERVAL_SECONDS', value: String(raft.intervalSeconds) },
          { name: 'RESTORE_WAIT_SECONDS', value: '300' },
          { name: 'TRANSFER_TIMEOUT_SECONDS', value: '1800' },
          { name: 'SNAPSHOT', value: `${SNAPSHOT_DIR}/raft.snap` },
          { name: 'HOME', value: SNAPSHOT_DIR },
        ],
        resources: { requests: quantities({ cpu: '50m', memory: '64Mi' }), limits: quantities({ memory: '256Mi' }) },
        securityContext: restrictedContainer(),
        volumeMounts: [
          { name: 'replication-ca', mountPath: CA_DIR, readOnly: true },
          { name: 'replication-pull-svid', mountPath: PULL_DIR, readOnly: true },
          { name: 'replication-restore-svid', mountPath: RESTORE_DIR, readOnly: true },
          { name: 'replication-snapshot', mountPath: SNAPSHOT_DIR },
        ],
      },
      [
        // Optional, so a missing SVID (cert-manager not there yet) never keeps the servers from starting; the agent waits.
        svidVolume('replication-pull-svid', pull, true),
        svidVolume('replication-restore-svid', restore, true),
        openbaoCaVolume('replication-ca', props.target.caSecretName),
        // Disk-backed and sized for one snapshot; the data in it is barrier-encrypted, as on the Raft volume.
        { name: 'replication-snapshot', emptyDir: { sizeLimit: k8s.Quantity.fromString(raft.scratchSize ?? props.target.storageSize) } },
      ],
    );
    egressToPrimary('PrimaryEgress', 'openbao-replication-to-primary', { ...SERVER_LABELS });

    // The verifier: its CronJob succeeds only while the replica serves a recent heartbeat.
    const verifier = bind('VerifierIdentity', REPLICATION_VERIFIER);
    new k8s.KubeServiceAccount(this, 'VerifierServiceAccount', { metadata: meta(REPLICATION_VERIFIER.serviceAccount), automountServiceAccountToken: false });
    new k8s.KubeCronJob(this, 'Verifier', {
      metadata: meta(VERIFIER_CRONJOB),
      spec: {
        schedule: raft.schedule,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: Math.min(raft.intervalSeconds, 300),
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 0,
            activeDeadlineSeconds: 120,
            ttlSecondsAfterFinished: 86400,
            template: {
              metadata: { labels },
              spec: jobPod(REPLICATION_VERIFIER.serviceAccount, verifier, VERIFY_FRESHNESS_SCRIPT, [
                { name: 'LOCAL_ADDR', value: props.target.activeUrl },
                { name: 'VERIFY_ROLE', value: CERT_ROLES.replicationVerify },
                { name: 'HEARTBEAT_KEY', value: heartbeat },
                // Two intervals and two runs' worth of slack: a heartbeat is as old as the start of the last verified run.
                { name: 'FRESH_SECONDS', value: String(2 * raft.intervalSeconds + 600) },
              ]),
            },
          },
        },
      },
    });

    const alertAfter = 3 * raft.intervalSeconds;
    this.alertAfterSeconds = alertAfter;
    // The rules are optional, so the prometheus-operator CRDs are not a hard dependency.
    if (props.alerts?.enabled ?? true) {
      const selector = `namespace="${ns}",cronjob="${VERIFIER_CRONJOB}"`;
      new PrometheusRule(this, 'Alerts', {
        metadata: { ...meta('openbao-replication'), labels: { ...labels, ...(props.alerts?.ruleLabels ?? { release: 'kube-prometheus-stack' }) } },
        spec: {
          groups: [
            {
              name: 'openbao-replication',
              rules: [
                {
                  alert: 'OpenBaoReplicationStale',
                  expr: PrometheusRuleSpecGroupsRulesExpr.fromString(`time() - kube_cronjob_status_last_successful_time{${selector}} > ${alertAfter}`),
                  for: '1m',
                  labels: { severity: 'critical', region: targetRegion.region },
                  annotations: {
                    summary: `OpenBao in ${targetRegion.region} has not served a verified restore of the primary for more than 3 replication intervals (${formatDuration(alertAfter)})`,
                    description: `Reads in ${targetRegion.region} may be served from data older than ${formatDuration(alertAfter)}. Check the snapshot-restore container of the active openbao pod and the ${VERIFIER_CRONJOB} Jobs in namespace ${ns}.`,
                  },
                },
                {
                  alert: 'OpenBaoReplicationNeverSucceeded',
                  expr: PrometheusRuleSpecGroupsRulesExpr.fromString(`absent(kube_cronjob_status_last_successful_time{${selector}})`),
                  for: formatDuration(alertAfter),
                  labels: { severity: 'critical', region: targetRegion.region },
                  annotations: { summary: `OpenBao replication into ${targetRegion.region} has no verified restore on record` },
                },
              ],
            },
          ],
        },
      });
    }
  }
}
