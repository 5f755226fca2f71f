import { z } from 'zod';
import { backupScheduleProblem, DEFAULT_BACKUP_SCHEDULE } from '../cnpg/backup-schedule';
import { recoveryNameProblem, recoveryTargetProblems } from '../cnpg/cnpg-recovery-cluster';
import { pairNameProblem } from '../cnpg/naming';
import { postgresImageProblem } from '../cnpg/postgres-image';
import { CONFIG_MAP_KEY, DNS1123_LABEL, DNS1123_SUBDOMAIN, GO_DURATION, IMAGE_REF, LABEL_KEY, QUANTITY, SPIFFE_ID } from '../common/kube-values';

// Each pattern carries the fix in its message: config errors must say what is wrong and how to mend it.
// Five-field cron (minute hour day-of-month month day-of-week) as Kubernetes CronJobs accept it.
const CRON = /^(\S+\s+){4}\S+$/;

export const dnsLabel = (max = 63) =>
  z
    .string()
    .max(max, { error: `must be at most ${max} characters; shorten it` })
    .regex(DNS1123_LABEL, {
      error: `must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit`,
    });

export const quantity = () =>
  z.string().regex(QUANTITY, { error: `must be a Kubernetes quantity such as "10Gi", "500m" or "2"` });

const issuerRef = (defaultName: string) =>
  z
    .strictObject({
      kind: z.enum(['Issuer', 'ClusterIssuer'], { error: `must be "Issuer" or "ClusterIssuer"` }).default('ClusterIssuer'),
      name: z.string().regex(DNS1123_SUBDOMAIN, { error: `must be a DNS-1123 subdomain (the cert-manager issuer's name)` }),
    })
    .default({ kind: 'ClusterIssuer', name: defaultName });

const resources = z
  .strictObject({
    requests: z.strictObject({ cpu: quantity().optional(), memory: quantity().optional() }).optional(),
    limits: z.strictObject({ cpu: quantity().optional(), memory: quantity().optional() }).optional(),
  })
  .describe('Container resource requests and limits');

const storage = (defaultSize: string) =>
  z
    .strictObject({
      size: quantity().default(defaultSize),
      storageClass: z
        .string()
        .regex(DNS1123_SUBDOMAIN, { error: 'must be the name of a StorageClass (a DNS-1123 subdomain)' })
        .optional(),
    })
    .default({ size: defaultSize });

const SECRET_KEY = z.string().regex(/^[-._a-zA-Z0-9]+$/, { error: "must be a Secret data key (letters, digits, '-', '_', '.')" });
// Barman's retention policy form, "<n>d|w|m" (cloudnative-pg/plugin-barman-cloud api/v1 ObjectStoreSpec.RetentionPolicy, v0.14.0).
const RETENTION = /^[1-9][0-9]*[dwm]$/;

const objectStoreSchema = z
  .strictObject({
    endpoint: z
      .string()
      .regex(/^https:\/\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?\/?$/, { error: 'must be an https:// URL of an S3-compatible endpoint (scheme and host, optional port)' })
      .describe('S3-compatible endpoint, e.g. https://fsn1.your-objectstorage.com'),
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be an S3 bucket name: 3-63 lowercase letters, digits, "." and "-"' }),
    path: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: 'must be a folder path such as "omantel" or "backups/omantel" (no leading or trailing "/")' })
      .optional()
      .describe('Folder in the bucket under which everything of this region is written; defaults to the Sovereign name'),
    s3Region: z.string().min(1).optional().describe('S3 region name some providers require'),
    credentials: z
      .strictObject({
        secretName: dnsLabel(253),
        accessKeyIdKey: SECRET_KEY.default('ACCESS_KEY_ID'),
        secretAccessKeyKey: SECRET_KEY.default('ACCESS_SECRET_KEY'),
      })
      .describe('The Secret (never its values) holding the S3 credentials; the operator creates it in every namespace that writes backups'),
    caBundle: z
      .strictObject({ secretName: dnsLabel(253), key: SECRET_KEY.default('ca.crt') })
      .optional()
      .describe("A Secret with the CA that signed the endpoint's certificate, when it is not publicly trusted"),
    retention: z
      .strictObject({
        databases: z.string().regex(RETENTION, { error: 'must be a retention such as "30d", "4w" or "6m"' }).default('30d'),
        openbao: z.string().regex(RETENTION, { error: 'must be a retention such as "30d", "4w" or "6m"' }).default('30d'),
      })
      .default({ databases: '30d', openbao: '30d' }),
  })
  .describe("This region's S3-compatible object store for WAL archives, base backups and OpenBao snapshots");

export const regionSchema = z.strictObject({
  name: dnsLabel().describe('Region label value, e.g. hz-fsn-rtz-prod; also the output folder name'),
  clusterName: dnsLabel(32)
    .optional()
    .describe('Cilium ClusterMesh cluster name of this region; defaults to the region name'),
  seal: z
    .strictObject({ static: z.lazy(() => staticSealSchema) })
    .optional()
    .describe("This region's OpenBao seal; defaults to openbao.seal. raftSnapshot replication needs the same seal everywhere"),
  objectStore: objectStoreSchema.optional(),
});

export const hotStandbySchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    primaryRegion: z.string().optional().describe('Region of the database primaries; defaults to the Sovereign primaryRegion'),
    replicaRegion: z.string().optional().describe('Region of the hot-standby replicas'),
    strict: z.boolean().default(false).describe('Turn degenerate hot-standby inputs into errors instead of a single-Cluster fallback'),
    promoted: z.boolean().default(false).describe('Promote the hot standby of every database pair (each pair may override it)'),
  })
  .default({ enabled: false, strict: false, promoted: false });

export const staticSealSchema = z.strictObject({
  keyId: z
    .string()
    .min(1, { error: 'must not be empty; name the key version, e.g. "2026-11-1"' })
    .regex(/^[A-Za-z0-9._-]+$/, { error: "may hold only letters, digits, '.', '_' and '-'" }),
  secretName: dnsLabel(253),
  secretKey: z
    .string()
    .regex(/^[-._a-zA-Z0-9]+$/, { error: "must be a Secret data key (letters, digits, '-', '_', '.')" })
    .default('key'),
});

export const openBaoSchema = z
  .strictObject({
    image: z
      .string()
      .regex(IMAGE_REF, { error: 'must be an image reference such as "quay.io/openbao/openbao:2.6.2" or "...@sha256:<64 hex>"' })
      .default('quay.io/openbao/openbao:2.6.2'),
    replicas: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .refine((n) => n % 2 === 1, { error: 'must be odd (1, 3, 5) so a Raft quorum survives the loss of a minority' })
      .default(3),
    resources: resources.optional(),
    storage: storage('10Gi'),
    auditStorage: z
      .strictObject({ size: quantity(), storageClass: z.string().regex(DNS1123_SUBDOMAIN).optional() })
      .optional()
      .describe('Keep the audit log on a volume; default: audit log to stdout'),
    trustBundle: z
      .strictObject({ configMapName: dnsLabel(253), key: z.string().min(1).default('ca.crt') })
      .default({ configMapName: 'spiffe-trust-bundle', key: 'ca.crt' })
      .describe('ConfigMap in the openbao namespace with the SPIFFE trust bundle that cert auth trusts'),
    serviceMonitor: z.boolean().default(false).describe('Render a ServiceMonitor for /v1/sys/metrics'),
    metricsNamespace: dnsLabel().default('monitoring').describe('Namespace of the Prometheus allowed to scrape OpenBao'),
    seal: z
      .strictObject({ static: staticSealSchema })
      .default({ static: { keyId: '1', secretName: 'openbao-seal', secretKey: 'key' } })
      .describe('Auto-unseal configuration; the key itself stays in a Secret the operator provides'),
    replication: z
      .strictObject({
        mechanism: z
          .enum(['raftSnapshot', 'nativePerformance'], { error: 'must be "raftSnapshot" or "nativePerformance"' })
          .default('raftSnapshot'),
        schedule: z
          .string()
          .regex(CRON, { error: 'must be a five-field cron expression such as "*/5 * * * *"' })
          .default('*/5 * * * *'),
        alerts: z
          .strictObject({
            enabled: z.boolean().default(true),
            ruleLabels: z.record(z.string().regex(LABEL_KEY, { error: 'must be a label key' }), z.string().max(63)).default({ release: 'kube-prometheus-stack' }),
          })
          .default({ enabled: true, ruleLabels: { release: 'kube-prometheus-stack' } })
          .describe("The raftSnapshot link's PrometheusRule: whether to render it, and the labels Prometheus' ruleSelector matches"),
      })
      .default({ mechanism: 'raftSnapshot', schedule: '*/5 * * * *', alerts: { enabled: true, ruleLabels: { release: 'kube-prometheus-stack' } } }),
    backup: z
      .strictObject({
        schedule: z
          .string()
          .regex(CRON, { error: 'must be a five-field cron expression such as "0 * * * *"' })
          .default('0 * * * *')
          .describe('When the primary region takes a Raft snapshot (UTC); the RPO of a restore from the bucket is this interval plus one run'),
        image: z
          .string()
          .regex(IMAGE_REF, { error: 'must be an image reference such as "rclone/rclone:1.74.4" or "...@sha256:<64 hex>"' })
          .default('rclone/rclone:1.74.4')
          .describe('The rclone image that uploads and verifies the snapshots'),
        prune: z
          .boolean()
          .default(true)
          .describe("Delete the primary's snapshots older than its objectStore.retention.openbao after each verified upload; turn off when a bucket lifecycle rule expires them"),
        alerts: z
          .strictObject({
            enabled: z.boolean().default(true),
            ruleLabels: z.record(z.string().regex(LABEL_KEY, { error: 'must be a label key' }), z.string().max(63)).default({ release: 'kube-prometheus-stack' }),
          })
          .default({ enabled: true, ruleLabels: { release: 'kube-prometheus-stack' } })
          .describe("The backup's PrometheusRule: whether to render it, and the labels Prometheus' ruleSelector matches"),
      })
      .default({ schedule: '0 * * * *', image: 'rclone/rclone:1.74.4', prune: true, alerts: { enabled: true, ruleLabels: { release: 'kube-prometheus-stack' } } })
      .describe("Scheduled Raft snapshots of the primary region's OpenBao to that region's objectStore (rendered when it has one)"),
    tlsIssuer: issuerRef('sovereign-ca'),
    ui: z.boolean().default(false),
    breakGlass: z
      .strictObject({
        commonName: z.string().min(1).max(64, { error: 'must be at most 64 characters (an X.509 CN)' }).optional(),
        spiffeId: z.string().regex(SPIFFE_ID, { error: 'must be a SPIFFE ID such as "spiffe://omantel.example/break-glass"' }).optional(),
        caBundle: z
          .strictObject({ configMapName: dnsLabel(253), key: z.string().regex(CONFIG_MAP_KEY, { error: 'must be a ConfigMap key' }).default('ca.crt') })
          .default({ configMapName: 'openbao-break-glass-ca', key: 'ca.crt' }),
      })
      .refine((b) => b.commonName === undefined || b.spiffeId === undefined, { error: 'set commonName or spiffeId, not both' })
      .default({ caBundle: { configMapName: 'openbao-break-glass-ca', key: 'ca.crt' } })
      .describe('The offline-held identity of the break-glass administrator (default CN openbao-break-glass) and the CA that issued it'),
  })
  .default({
    image: 'quay.io/openbao/openbao:2.6.2',
    replicas: 3,
    storage: { size: '10Gi' },
    trustBundle: { configMapName: 'spiffe-trust-bundle', key: 'ca.crt' },
    serviceMonitor: false,
    metricsNamespace: 'monitoring',
    seal: { static: { keyId: '1', secretName: 'openbao-seal', secretKey: 'key' } },
    replication: { mechanism: 'raftSnapshot', schedule: '*/5 * * * *', alerts: { enabled: true, ruleLabels: { release: 'kube-prometheus-stack' } } },
    backup: { schedule: '0 * * * *', image: 'rclone/rclone:1.74.4', prune: true, alerts: { enabled: true, ruleLabels: { release: 'kube-prometheus-stack' } } },
    tlsIssuer: { kind: 'ClusterIssuer', name: 'sovereign-ca' },
    ui: false,
    breakGlass: { caBundle: { configMapName: 'openbao-break-glass-ca', key: 'ca.crt' } },
  });

export const identitySchema = z
  .strictObject({
    trustDomain: z
      .string()
      .regex(DNS1123_SUBDOMAIN, { error: 'must be a lowercase DNS name such as "omantel.example"' })
      .optional()
      .describe('SPIFFE trust domain of the whole Sovereign; defaults to the Sovereign domain'),
    issuer: issuerRef('spiffe-ca'),
    issuancePolicy: z
      .strictObject({
        enabled: z.boolean().default(true),
        certManager: z
          .strictObject({ namespace: dnsLabel(), serviceAccount: dnsLabel(253) })
          .default({ namespace: 'cert-manager', serviceAccount: 'cert-manager' })
          .describe("cert-manager's controller service account: the requester approver-policy checks"),
      })
      .default({ enabled: true, certManager: { namespace: 'cert-manager', serviceAccount: 'cert-manager' } })
      .describe("approver-policy CertificateRequestPolicies that let each SVID (and OpenBao's listener certificate) be issued only as itself, in its namespace; needs cert-manager's default approver disabled"),
  })
  .default({ issuer: { kind: 'ClusterIssuer', name: 'spiffe-ca' }, issuancePolicy: { enabled: true, certManager: { namespace: 'cert-manager', serviceAccount: 'cert-manager' } } });

// A label map as Kubernetes accepts it: label keys, values of at most 63 letters, digits, '-', '_', '.'.
// Keys are checked in a refinement so the error names the key and the fix (a key schema only says "Invalid key").
const labelMap = () =>
  z
    .record(
      z.string(),
      z
        .string()
        .max(63, { error: 'must be a label value of at most 63 characters' })
        .regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, { error: "must be a label value (letters, digits, '-', '_', '.')" }),
    )
    .superRefine((labels, ctx) => {
      for (const key of Object.keys(labels)) {
        if (!LABEL_KEY.test(key) || key.length > 317) {
          ctx.addIssue({ code: 'custom', path: [key], input: key, message: 'is not a label key; use a key such as "app.kubernetes.io/name"' });
        }
      }
    });

// Where the CNPG 1.30 release manifest and Helm chart put the operator (cnpg-system, app.kubernetes.io/name).
const cnpgOperator = () => ({ namespace: 'cnpg-system', podLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } });

const databaseNetworkPolicySchema = z
  .strictObject({
    clientNamespaces: z
      .array(dnsLabel())
      .default([])
      .describe("Further namespaces of the same region cluster whose pods may connect to PostgreSQL (5432); the database's own namespace always may"),
    clientPodLabels: labelMap()
      .optional()
      .describe('Only pods with all these labels are clients (in the own namespace and clientNamespaces); default: every pod there'),
    operator: z
      .strictObject({
        namespace: dnsLabel().default('cnpg-system'),
        podLabels: labelMap().default(() => cnpgOperator().podLabels),
      })
      .default(cnpgOperator)
      .describe('Namespace and pod labels of the CloudNativePG operator, admitted on 8000 and 5432'),
    metricsNamespace: dnsLabel()
      .optional()
      .describe("Namespace of the Prometheus allowed to scrape the instances' metrics port 9187; default: the port stays closed"),
  })
  .default(() => ({ clientNamespaces: [], operator: cnpgOperator() }));

export const databaseSchema = z.strictObject({
  name: z
    .string()
    .superRefine((name, ctx) => {
      const problem = pairNameProblem(name);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: name });
    })
    .describe('CNPG Cluster name of the primary; the replica is <name>-replica. DNS-1035, at most 42 characters'),
  namespace: dnsLabel(),
  primaryRegion: z.string().optional().describe('Overrides hotStandby.primaryRegion for this pair'),
  replicaRegion: z.string().optional().describe('Overrides hotStandby.replicaRegion for this pair'),
  instances: z.number().int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).default(1),
  postgresMajor: z.number().int().min(13, { error: 'must be a supported PostgreSQL major (13 or newer)' }).default(16),
  imageName: z
    .string()
    .regex(IMAGE_REF, { error: 'must be an image reference such as "ghcr.io/cloudnative-pg/postgresql:16.14-system-trixie"' })
    .superRefine((image, ctx) => {
      const problem = IMAGE_REF.test(image) ? postgresImageProblem(image) : undefined;
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: image });
    })
    .optional()
    .describe('PostgreSQL image of both Clusters, pinned to a full version (optionally with @sha256:...); a floating tag such as :16 is refused. Defaults to the image CloudNativePG 1.30.0 tests for postgresMajor'),
  storage: storage('10Gi'),
  resources: resources.optional(),
  database: z.string().regex(/^[a-z_][a-z0-9_]*$/, { error: 'must be a lowercase PostgreSQL identifier' }).default('app'),
  owner: z.string().regex(/^[a-z_][a-z0-9_]*$/, { error: 'must be a lowercase PostgreSQL role name' }).default('app'),
  parameters: z
    .record(z.string(), z.string({ error: 'must be a string (quote numbers: "100")' }))
    .refine((p) => !('hot_standby' in p), { error: 'must not set hot_standby: CloudNativePG manages it and rejects the Cluster' })
    .optional(),
  mesh: z
    .strictObject({
      enabled: z.boolean().default(true),
      affinity: z
        .enum(['local', 'remote'], { error: 'must be "local" or "remote"; "none" is refused because Cilium 1.18.10–1.19 drops remote backends with it' })
        .default('local'),
      externalHost: z.string().min(1).optional().describe('Where the replica reaches the primary when the mesh is disabled'),
    })
    .default({ enabled: true, affinity: 'local' }),
  promoted: z.boolean().optional().describe('Promote this pair\'s hot standby; defaults to hotStandby.promoted'),
  topology: z.enum(['replicaCluster', 'distributed'], { error: 'must be "replicaCluster" or "distributed"' }).default('replicaCluster'),
  promotionToken: z.string().min(1).optional().describe("With topology distributed and promoted: the old primary's .status.demotionToken"),
  enableSuperuserAccess: z.boolean().default(false),
  networkPolicy: databaseNetworkPolicySchema.describe("Who may reach the database's instances (a CiliumNetworkPolicy per Cluster)"),
  backup: z
    .strictObject({
      schedule: z
        .string()
        .superRefine((schedule, ctx) => {
          const problem = backupScheduleProblem(schedule);
          if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: schedule });
        })
        .default(DEFAULT_BACKUP_SCHEDULE)
        .describe('Base backup schedule: SIX cron fields, seconds first (CloudNativePG\'s format), e.g. "0 0 0 * * *" daily at midnight'),
    })
    .default({ schedule: DEFAULT_BACKUP_SCHEDULE })
    .describe("Base backups of the Cluster that archives WAL, into its region's objectStore"),
  restore: z
    .strictObject({
      name: z
        .string()
        .superRefine((name, ctx) => {
          const problem = recoveryNameProblem(name);
          if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: name });
        })
        .optional()
        .describe('Name of the new Cluster; defaults to <name>-restore'),
      fromCluster: z.string().optional().describe('Whose archive: <name>, or <name>-replica (which archives after a promotion); defaults to the Cluster that archives now'),
      fromPath: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: 'must be a folder path such as "omantel" (no leading or trailing "/")' })
        .optional()
        .describe("The archive's folder in that region's bucket when it is not the objectStore's path (e.g. the path before the Sovereign was rebuilt)"),
      region: z.string().optional().describe("Region the new Cluster runs in (the pair's primary or replica region); defaults to the region of fromCluster"),
      backupId: z.string().optional().describe('Restore exactly this base backup (Barman backup ID, e.g. 20261124T000012)'),
      targetTime: z.string().optional().describe('Recover to this moment, RFC 3339 with an offset (e.g. 2026-11-24T10:14:00Z)'),
    })
    .superRefine((restore, ctx) => {
      for (const problem of recoveryTargetProblems(restore.backupId, restore.targetTime)) ctx.addIssue({ code: 'custom', message: problem.replace(/^[^:]+: /, ''), path: [problem.startsWith('backupId, ') ? 'targetTime' : problem.split(':')[0]] });
    })
    .optional()
    .describe('Render a NEW Cluster restored from one of the pair\'s archives, to a point in time or one base backup, beside the pair'),
  podMonitor: z
    .strictObject({
      enabled: z.boolean().default(true),
      labels: labelMap().default({ release: 'kube-prometheus-stack' }),
    })
    .default({ enabled: true, labels: { release: 'kube-prometheus-stack' } })
    .describe("A monitoring.coreos.com/v1 PodMonitor per Cluster on the metrics port 9187 (labels: what Prometheus' podMonitorSelector matches); opens 9187 to networkPolicy.metricsNamespace, default monitoring"),
  alerts: z
    .strictObject({
      enabled: z.boolean().default(true),
      ruleLabels: labelMap().default({ release: 'kube-prometheus-stack' }),
    })
    .default({ enabled: true, ruleLabels: { release: 'kube-prometheus-stack' } })
    .describe("WAL archive, base backup and replica lag alerts, a PrometheusRule per Cluster: whether to render it, and the labels Prometheus' ruleSelector matches"),
});

export const pushSecretSchema = z.strictObject({
  name: dnsLabel(253),
  namespace: dnsLabel(),
  region: z.string().optional().describe('Region whose cluster holds the Secret; defaults to the OpenBao primary region'),
  deletionPolicy: z
    .enum(['None', 'Delete'], { error: 'must be "None" or "Delete"' })
    .default('None')
    .describe('None keeps the remote secret; with Delete, retargeting a PushSecret deletes it in the old store (ESO #5062)'),
  secretName: dnsLabel(253).describe('The Kubernetes Secret whose keys are pushed'),
  refreshInterval: z
    .string()
    .regex(GO_DURATION, { error: 'must be a Go duration such as "1h" or "10m"' })
    .optional(),
  data: z
    .array(
      z.strictObject({
        secretKey: z.string().min(1),
        remoteKey: z.string().min(1),
        property: z.string().min(1).optional(),
      }),
    )
    .min(1, { error: 'must list at least one key to push' }),
});

const KEY_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const tenantSchema = z.strictObject({
  name: dnsLabel(40).describe('Tenant name; names its stores bao-local-<name> and bao-primary-<name>'),
  namespaces: z.array(dnsLabel()).min(1, { error: 'must list at least one namespace' }).describe('Namespaces whose ExternalSecrets and PushSecrets may use the tenant\'s stores'),
  keyPrefix: z
    .string()
    .regex(KEY_PREFIX, { error: 'must be a folder path such as "acme" or "acme/apps": DNS-1123 labels separated by "/", no leading or trailing "/"' })
    .optional()
    .describe('Folder under sovereign/<sovereign>/ that the tenant owns; defaults to the tenant name'),
  regions: z.array(z.string()).min(1, { error: 'must list at least one region, or be omitted for every region' }).optional().describe('Regions whose clusters get the tenant\'s stores; defaults to every region'),
  push: z.boolean().default(true).describe('Also render bao-primary-<name> (writes to the primary) in each of its regions'),
});

export const tofuSchema = z
  .strictObject({
    backend: z
      .discriminatedUnion('type', [
        z.strictObject({
          type: z.literal('local'),
          path: z.string().min(1).optional().describe('State file; defaults to terraform.tfstate in the stack folder'),
        }),
        z.strictObject({
          type: z.literal('s3'),
          bucket: z.string().min(1),
          keyPrefix: z.string().min(1).default('sovereign').describe('State key is <keyPrefix>/<sovereign>/<region>.tfstate'),
          region: z.string().min(1),
          endpoint: z.string().url().optional().describe('S3-compatible endpoint; credentials come from the environment, never the config'),
        }),
      ])
      .default({ type: 'local' }),
    regionNodes: z
      .record(z.string(), z.array(z.string().min(1)))
      .default({})
      .describe('Node names per region to label with regionLabelKey; omit a region when its nodes are labelled at provisioning'),
    knobNamespace: dnsLabel().default('flux-system').describe('Namespace of the sovereign-fqdn ConfigMap (must exist, e.g. created by Flux bootstrap)'),
  })
  .default({ backend: { type: 'local' }, regionNodes: {}, knobNamespace: 'flux-system' });

export const sovereignConfigSchema = z
  .strictObject({
    name: dnsLabel().describe('Sovereign name'),
    domain: z
      .string()
      .regex(DNS1123_SUBDOMAIN, { error: 'must be a lowercase DNS name such as "omantel.example"' })
      .describe('Sovereign DNS domain'),
    regionLabelKey: z
      .string()
      .regex(LABEL_KEY, { error: 'must be a Kubernetes label key such as "topology.kubernetes.io/region"' })
      .default('topology.kubernetes.io/region'),
    regions: z.array(regionSchema).min(1, { error: 'must list at least one region' }),
    primaryRegion: z.string().optional().describe('The OpenBao write primary; required with more than one region'),
    hotStandby: hotStandbySchema,
    openbao: openBaoSchema,
    identity: identitySchema,
    databases: z.array(databaseSchema).default([]),
    tenants: z
      .array(tenantSchema)
      .default([])
      .describe('Who may read and write which keys: each tenant owns one key prefix, readable and writable only from its namespaces. A pushSecrets namespace that no tenant lists becomes a tenant of its own, owning sovereign/<sovereign>/<namespace>/'),
    pushSecrets: z.array(pushSecretSchema).default([]),
    tofu: tofuSchema.describe('OpenTofu stacks for the region clusters (sovereign tofu)'),
  })
  .describe('A Sovereign: one customer deployment of the platform across 1..N region clusters');
