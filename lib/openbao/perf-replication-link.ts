import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CiliumNetworkPolicy, CiliumNetworkPolicySpecEgressToPortsPortsProtocol } from '../../imports/ciliumnetworkpolicies-cilium.io';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrules-monitoring.coreos.com';
import { REPLICATOR_POD_LABELS, REPLICATOR_WORKLOAD } from '../secrets/spiffe';
import { WorkloadIdentity } from '../secrets/workload-identity';
import { RegionContext, RegionRole } from '../common/region-context';
import { CERT_ROLES } from './acl-policy';
import { CILIUM_CLUSTER_LABEL } from './openbao-network-policies';
import { type OpenBaoRegion, SERVER_LABELS } from './openbao-region';
import { RaftSnapshotMechanism, ReplicationMechanism, formatDuration } from './replication-mechanism';
import { labelsProblems, throwIfProblems } from '../common/problems';

export interface PerfReplicationLinkProps {
  /** The Sovereign's write primary. */
  readonly source: OpenBaoRegion;
  /** A replica region; the link's objects are rendered into its chart. */
  readonly target: OpenBaoRegion;
  /** @default ReplicationMechanism.raftSnapshot() */
  readonly mechanism?: ReplicationMechanism;
  /** Identity of the replicator for cert auth on both sides. @default WorkloadIdentity.spiffeCertificate() */
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

const SVID_DIR = '/svid';
const CA_DIR = '/openbao/tls';
const WORK_DIR = '/work';

// Both scripts take every value from the environment; nothing user-provided is spliced into shell text.
const LOGIN = `login() { BAO_ADDR="$1" bao login -no-store -token-only -method=cert -path=cert name=${CERT_ROLES.replicator}; }`;
const RAFT_SNAPSHOT_SCRIPT = [
  'set -eu',
  'umask 077',
  LOGIN,
  'primary_token="$(login "$PRIMARY_ADDR")"',
  'BAO_ADDR="$PRIMARY_ADDR" BAO_TOKEN="$primary_token" bao operator raft snapshot save "$SNAPSHOT"',
  'local_token="$(login "$LOCAL_ADDR")"',
  'BAO_ADDR="$LOCAL_ADDR" BAO_TOKEN="$local_token" bao operator raft snapshot restore -force "$SNAPSHOT"',
  'rm -f "$SNAPSHOT"',
  'echo "restored a snapshot of $PRIMARY_ADDR into $LOCAL_ADDR"',
].join('\n');
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
    const workload = { ...REPLICATOR_WORKLOAD, namespace: ns };
    const credentials = (props.identity ?? WorkloadIdentity.spiffeCertificate()).bind(this, 'Identity', {
      workload,
      trustDomain: targetRegion.trustDomain,
      issuer: targetRegion.svidIssuer,
      labels,
    });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta(workload.serviceAccount), automountServiceAccountToken: false });

    // The replicator reaches the primary's servers in another cluster: Cilium must be told that cluster's name.
    new CiliumNetworkPolicy(this, 'PrimaryEgress', {
      metadata: meta('openbao-replicator-to-primary'),
      spec: {
        endpointSelector: { matchLabels: { ...REPLICATOR_POD_LABELS } },
        egress: [
          {
            toEndpoints: [{ matchLabels: { ...SERVER_LABELS, 'k8s:io.kubernetes.pod.namespace': props.source.namespace, [CILIUM_CLUSTER_LABEL]: sourceRegion.clusterName } }],
            toPorts: [{ ports: [{ port: '8200', protocol: CiliumNetworkPolicySpecEgressToPortsPortsProtocol.TCP }] }],
          },
        ],
      },
    });

    const env: k8s.EnvVar[] = [
      { name: 'PRIMARY_ADDR', value: props.source.primaryUrl },
      { name: 'LOCAL_ADDR', value: props.target.activeUrl },
      { name: 'BAO_CACERT', value: `${CA_DIR}/ca.crt` },
      { name: 'BAO_CLIENT_CERT', value: `${SVID_DIR}/${credentials.certificateKey}` },
      { name: 'BAO_CLIENT_KEY', value: `${SVID_DIR}/${credentials.privateKeyKey}` },
      { name: 'HOME', value: WORK_DIR },
    ];
    // A memory-backed emptyDir counts against the container's memory limit, so the limit includes the scratch space.
    const podSpec = (script: string, extraEnv: k8s.EnvVar[], scratchMebibytes: number): k8s.PodSpec => ({
      serviceAccountName: workload.serviceAccount,
      automountServiceAccountToken: false,
      restartPolicy: 'Never',
      // fsGroup: without it the kubelet leaves the 0400 SVID files owned by root, unreadable to uid 100; with it they
      // get its group and group read (kubernetes pkg/volume/volume_linux.go, the fsGroup ownership change).
      securityContext: { runAsNonRoot: true, runAsUser: 100, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: targetRegion.regionLabelKey, operator: 'In', values: [targetRegion.region] }] }],
          },
        },
      },
      containers: [
        {
          name: 'replicator',
          image: props.target.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/sh', '-c', script],
          env: [...env, ...extraEnv],
          resources: {
            requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi') },
            limits: { memory: k8s.Quantity.fromString(`${scratchMebibytes + 256}Mi`) },
          },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
          volumeMounts: [
            { name: 'svid', mountPath: SVID_DIR, readOnly: true },
            { name: 'openbao-ca', mountPath: CA_DIR, readOnly: true },
            { name: 'work', mountPath: WORK_DIR },
          ],
        },
      ],
      volumes: [
        { name: 'svid', secret: { secretName: credentials.secretName, defaultMode: 0o400 } },
        { name: 'openbao-ca', secret: { secretName: props.target.caSecretName, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        // The snapshot holds every secret of the Sovereign: it only ever exists in this pod's memory.
        { name: 'work', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(`${scratchMebibytes}Mi`) } },
      ],
    });

    if (mechanism instanceof RaftSnapshotMechanism) {
      const raft = mechanism;
      const deadline = Math.max(60, Math.min(raft.intervalSeconds - 30, 1800));
      new k8s.KubeCronJob(this, 'CronJob', {
        metadata: meta('openbao-replicator'),
        spec: {
          schedule: raft.schedule,
          timeZone: 'Etc/UTC',
          concurrencyPolicy: 'Forbid',
          startingDeadlineSeconds: Math.min(raft.intervalSeconds, 300),
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 1,
              activeDeadlineSeconds: deadline,
              ttlSecondsAfterFinished: 86400,
              template: { metadata: { labels }, spec: podSpec(RAFT_SNAPSHOT_SCRIPT, [{ name: 'SNAPSHOT', value: `${WORK_DIR}/raft.snap` }], raft.scratchMebibytes) },
            },
          },
        },
      });
      const alertAfter = 3 * raft.intervalSeconds;
      this.alertAfterSeconds = alertAfter;
      // The rules are optional, so the prometheus-operator CRDs are not a hard dependency.
      if (props.alerts?.enabled ?? true) {
        const selector = `namespace="${ns}",cronjob="openbao-replicator"`;
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
                      summary: `OpenBao in ${targetRegion.region} has not restored a snapshot of the primary for more than 3 replication intervals (${formatDuration(alertAfter)})`,
                      description: `Reads in ${targetRegion.region} are served from data older than ${formatDuration(alertAfter)}. Check the openbao-replicator Jobs in namespace ${ns}.`,
                    },
                  },
                  {
                    alert: 'OpenBaoReplicationNeverSucceeded',
                    expr: PrometheusRuleSpecGroupsRulesExpr.fromString(`absent(kube_cronjob_status_last_successful_time{${selector}})`),
                    for: formatDuration(alertAfter),
                    labels: { severity: 'critical', region: targetRegion.region },
                    annotations: { summary: `OpenBao replication into ${targetRegion.region} has no successful run on record` },
                  },
                ],
              },
            ],
          },
        });
      }
    } else {
      new k8s.KubeJob(this, 'Job', {
        metadata: meta('openbao-performance-secondary'),
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 600,
          template: { metadata: { labels }, spec: podSpec(NATIVE_PERFORMANCE_SCRIPT, [{ name: 'REPLICA_ID', value: targetRegion.region }], 16) },
        },
      });
    }
  }
}
