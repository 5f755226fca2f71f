import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CONFIG_MAP_KEY, type ContainerResources, DNS1123_LABEL, DNS1123_SUBDOMAIN, IMAGE_REF, QUANTITY, resourcesProblems } from '../common/kube-values';
import { Certificate, CertificateSpecPrivateKeyAlgorithm, CertificateSpecPrivateKeyRotationPolicy, CertificateSpecUsages } from '../../imports/certificates-cert-manager.io';
import { ServiceMonitor, ServiceMonitorSpecEndpointsScheme } from '../../imports/servicemonitors-monitoring.coreos.com';
import { globalServiceAnnotations } from '../mesh/cluster-mesh';
import { GlobalServiceStub } from '../mesh/global-service-stub';
import { REPLICATOR_WORKLOAD, ESO_WORKLOAD, spiffeId } from '../secrets/spiffe';
import { type IssuerRef, issuerRefProblems, RegionContext, RegionRole } from '../common/region-context';
import { type AclPolicy, CERT_ROLES, renderPolicy, sovereignPolicies } from './acl-policy';
import { OpenBaoNetworkPolicies } from './openbao-network-policies';
import type { OpenBaoSeal } from './seal';
import { type InitBlock, renderServerConfig, type ServerConfig } from './server-config';
import { throwIfProblems } from '../common/problems';

export type { IssuerRef };

/** What other constructs need to know of a region's OpenBao: where it answers and how to trust it. */
export interface IOpenBaoRegion {
  readonly namespace: string;
  readonly role: RegionRole;
  /** In-cluster URL of the local cluster (all unsealed pods). */
  readonly localUrl: string;
  /** URL of the active (leader) pod of this region. */
  readonly activeUrl: string;
  /** URL of the Sovereign's write primary, through the ClusterMesh-global `openbao-primary` name. */
  readonly primaryUrl: string;
  /** Secret (in `namespace`) whose `ca.crt` verifies the servers' TLS. */
  readonly caSecretName: string;
  /** Identity of the seal's key material; regions exchanging snapshots must share it. */
  readonly sealFingerprint: string;
}

export interface OpenBaoRegionProps {
  /** How the servers auto-unseal. Required: self-initialisation needs auto-unseal, and the key is the operator's. */
  readonly seal: OpenBaoSeal;
  /** Namespace of the cluster. @default 'openbao' */
  readonly namespace?: string;
  /** Server image; pin a digest for repeatable deployments. @default 'quay.io/openbao/openbao:2.6.2' */
  readonly image?: string;
  /** Raft voters; odd, so a quorum survives the loss of a minority. 1 is for development only. @default 3 */
  readonly replicas?: number;
  /** Server container resources. @default - none set */
  readonly resources?: ContainerResources;
  /** Size of each server's Raft volume. @default '10Gi' */
  readonly storageSize?: string;
  /** StorageClass of the Raft volumes. @default - the cluster's default */
  readonly storageClass?: string;
  /** Issuer of the listener certificate; it must be trusted by every region. @default ClusterIssuer 'sovereign-ca' */
  readonly tlsIssuer?: IssuerRef;
  /** Serve the web UI. @default false */
  readonly ui?: boolean;
  /** ConfigMap (in `namespace`) holding the SPIFFE trust bundle that cert auth trusts. @default 'spiffe-trust-bundle' key 'ca.crt' */
  readonly trustBundle?: { readonly configMapName: string; readonly key: string };
  /** Keep the audit log on a volume instead of stdout. @default - audit log to stdout */
  readonly auditStorage?: { readonly size: string; readonly storageClass?: string };
  /** Render a ServiceMonitor for `/v1/sys/metrics` and allow scraping from `metricsNamespace`. @default false */
  readonly serviceMonitor?: boolean;
  /** Namespace of the Prometheus that scrapes the servers. @default 'monitoring' */
  readonly metricsNamespace?: string;
  /** Grant the replicator Vault's performance-replication API instead of Raft snapshots (nativePerformance links). @default false */
  readonly nativeReplication?: boolean;
}

/** Labels of the OpenBao server pods (also the Raft auto_join selector). */
export const SERVER_LABELS = { 'app.kubernetes.io/name': 'openbao', 'app.kubernetes.io/instance': 'openbao', component: 'server' } as const;

const PORT_API = 8200;
const PORT_CLUSTER = 8201;
const UID = 100;
const GID = 1000;
const PATHS = {
  config: '/openbao/config',
  data: '/openbao/data',
  tls: '/openbao/tls',
  trustBundle: '/openbao/trust-bundle',
  audit: '/openbao/audit',
  tmp: '/tmp',
} as const;

/**
 * One region's independent OpenBao cluster (§2, §4): Raft voters that only ever find peers inside this region's
 * namespace, TLS everywhere, static-key auto-unseal, declarative self-initialisation of kv-v2, audit, cert auth
 * and the least-privilege policies of the agreed model. The region's role (primary or replica) decides whether
 * the ClusterMesh-global `openbao-primary` Service has backends here.
 */
export class OpenBaoRegion extends Construct implements IOpenBaoRegion {
  public readonly namespace: string;
  public readonly role: RegionRole;
  public readonly replicas: number;
  public readonly image: string;
  public readonly localUrl: string;
  public readonly activeUrl: string;
  public readonly primaryUrl: string;
  public readonly caSecretName = 'openbao-tls';
  public readonly sealFingerprint: string;
  /** The server configuration OpenBao reads, as rendered into the ConfigMap. */
  public readonly serverConfig: ServerConfig;
  /** Policies written by self-initialisation, by name. */
  public readonly policies: readonly AclPolicy[];
  /** Cert auth roles written by self-initialisation: role (= policy) name -> allowed SPIFFE URI. */
  public readonly certRoles: Readonly<Record<string, string>>;
  /** Non-fatal findings for the synth summary. */
  public readonly warnings: readonly string[];

  constructor(scope: Construct, id: string, props: OpenBaoRegionProps) {
    super(scope, id);
    const region = RegionContext.of(this);
    validate(props);
    const ns = props.namespace ?? 'openbao';
    this.namespace = ns;
    this.role = region.role;
    this.replicas = props.replicas ?? 3;
    this.image = props.image ?? 'quay.io/openbao/openbao:2.6.2';
    this.localUrl = `https://openbao.${ns}.svc:${PORT_API}`;
    this.activeUrl = `https://openbao-active.${ns}.svc:${PORT_API}`;
    this.primaryUrl = `https://openbao-primary.${ns}.svc:${PORT_API}`;
    this.warnings = this.replicas === 1 ? [`OpenBao in ${region.region} runs 1 replica: no Raft quorum survives its loss; use 3 or 5 in production`] : [];
    region.ensureNamespace(this, ns, { clusterMeshGlobal: true });

    const seal = props.seal.bind();
    this.sealFingerprint = seal.fingerprint;
    const trustBundle = props.trustBundle ?? { configMapName: 'spiffe-trust-bundle', key: 'ca.crt' };
    const serverLabels = { ...SERVER_LABELS };
    const labels = { ...region.commonLabels, ...serverLabels };
    const meta = (name: string) => ({ name, namespace: ns, labels });
    const trustDomain = region.trustDomain;

    // Self-initialisation: policies and cert roles bind exactly the SPIFFE IDs the workload certificates carry.
    const policies = sovereignPolicies(region.sovereign, props.nativeReplication ?? false);
    this.policies = [policies.esoRead, policies.esoPush, policies.replicator];
    this.certRoles = {
      [CERT_ROLES.esoRead]: spiffeId(trustDomain, ESO_WORKLOAD),
      [CERT_ROLES.esoPush]: spiffeId(trustDomain, ESO_WORKLOAD),
      [CERT_ROLES.replicator]: spiffeId(trustDomain, { ...REPLICATOR_WORKLOAD, namespace: ns }),
    };
    const auditPath = props.auditStorage === undefined ? 'stdout' : `${PATHS.audit}/audit.log`;
    const initialize: InitBlock[] = [
      { name: 'audit', requests: [{ name: 'enable-file-audit', operation: 'update', path: 'sys/audit/file', data: { type: 'file', options: { file_path: auditPath } } }] },
      { name: 'secrets', requests: [{ name: 'mount-kv-v2', operation: 'update', path: 'sys/mounts/secret', data: { type: 'kv', options: { version: '2' } } }] },
      { name: 'auth', requests: [{ name: 'enable-cert-auth', operation: 'update', path: 'sys/auth/cert', data: { type: 'cert' } }] },
      {
        name: 'policies',
        requests: this.policies.map((p) => ({ name: `policy-${p.name}`, operation: 'update' as const, path: `sys/policies/acl/${p.name}`, data: { policy: renderPolicy(p) } })),
      },
      {
        name: 'cert-roles',
        requests: Object.entries(this.certRoles).map(([role, uri]) => ({
          name: `cert-role-${role}`,
          operation: 'update' as const,
          path: `auth/cert/certs/${role}`,
          data: {
            // The trust bundle is read from the mounted ConfigMap at init time, never inlined in the config.
            certificate: { eval_source: 'file', eval_type: 'string', path: `${PATHS.trustBundle}/ca.crt` },
            allowed_uri_sans: [uri],
            token_policies: [role],
            token_ttl: '15m',
            token_max_ttl: '1h',
          },
        })),
      },
    ];

    const internalHost = `openbao-internal.${ns}.svc`;
    this.serverConfig = {
      ui: props.ui ?? false,
      storage: {
        raft: {
          path: PATHS.data,
          performance_multiplier: 1,
          // Peers are discovered only among this namespace's server pods, so Raft never spans regions.
          retry_join: [
            {
              auto_join: `provider=k8s namespace=${ns} label_selector="${Object.entries(serverLabels).map(([k, v]) => `${k}=${v}`).join(',')}"`,
              auto_join_scheme: 'https',
              auto_join_port: PORT_API,
              leader_tls_servername: internalHost,
              leader_ca_cert_file: `${PATHS.tls}/ca.crt`,
            },
          ],
        },
      },
      listener: [
        {
          tcp: {
            address: `[::]:${PORT_API}`,
            cluster_address: `[::]:${PORT_CLUSTER}`,
            tls_cert_file: `${PATHS.tls}/tls.crt`,
            tls_key_file: `${PATHS.tls}/tls.key`,
            tls_min_version: 'tls12',
            telemetry: { unauthenticated_metrics_access: props.serviceMonitor ?? false },
          },
        },
      ],
      seal: seal.stanza,
      service_registration: { kubernetes: {} },
      telemetry: { prometheus_retention_time: '24h', disable_hostname: true },
      initialize,
    };

    const serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta('openbao'), automountServiceAccountToken: true });
    new k8s.KubeRole(this, 'Role', {
      metadata: meta('openbao'),
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'update', 'patch'] }],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: meta('openbao'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'openbao' },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount.name, namespace: ns }],
    });
    new k8s.KubeConfigMap(this, 'Config', { metadata: meta('openbao-config'), data: { 'server.json': renderServerConfig(this.serverConfig) } });

    const serviceNames = ['openbao', 'openbao-active', 'openbao-standby', 'openbao-internal', 'openbao-primary'];
    const podNames = Array.from({ length: this.replicas }, (_, i) => `openbao-${i}.openbao-internal`);
    const dnsNames = [...serviceNames, ...podNames].flatMap((n) => [n, `${n}.${ns}`, `${n}.${ns}.svc`, `${n}.${ns}.svc.cluster.local`]);
    new Certificate(this, 'Certificate', {
      metadata: meta('openbao-tls'),
      spec: {
        secretName: this.caSecretName,
        issuerRef: { kind: props.tlsIssuer?.kind ?? 'ClusterIssuer', name: props.tlsIssuer?.name ?? 'sovereign-ca', group: 'cert-manager.io' },
        commonName: `openbao.${ns}.svc`,
        dnsNames,
        ipAddresses: ['127.0.0.1'],
        duration: '2160h',
        renewBefore: '720h',
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
        usages: [CertificateSpecUsages.SERVER_AUTH, CertificateSpecUsages.CLIENT_AUTH, CertificateSpecUsages.DIGITAL_SIGNATURE, CertificateSpecUsages.KEY_ENCIPHERMENT],
      },
    });

    const port = (name: string, value: number) => ({ name, port: value, targetPort: k8s.IntOrString.fromNumber(value), protocol: 'TCP' });
    const ports = [port('http', PORT_API), port('https-internal', PORT_CLUSTER)];
    const service = (name: string, selector: Record<string, string>, extra: Partial<k8s.ServiceSpec> = {}, annotations?: Record<string, string>) =>
      new k8s.KubeService(this, name, { metadata: { ...meta(name), ...(annotations ? { annotations } : {}) }, spec: { type: 'ClusterIP', selector, ports, ...extra } });
    service('openbao', serverLabels);
    // `openbao-active` is the label service registration keeps current on every pod.
    service('openbao-active', { ...serverLabels, 'openbao-active': 'true' }, { publishNotReadyAddresses: false });
    service('openbao-standby', { ...serverLabels, 'openbao-active': 'false' }, { publishNotReadyAddresses: false });
    service('openbao-internal', serverLabels, { clusterIp: 'None', publishNotReadyAddresses: true });
    if (this.role === RegionRole.PRIMARY) {
      service('openbao-primary', { ...serverLabels, 'openbao-active': 'true' }, { ports: [port('http', PORT_API)] }, globalServiceAnnotations());
    } else {
      new GlobalServiceStub(this, 'openbao-primary', { name: 'openbao-primary', namespace: ns, ports: [{ name: 'http', port: PORT_API }], labels: region.commonLabels });
    }

    const health = '/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204';
    const volumeClaim = (name: string, size: string, storageClass?: string): k8s.KubePersistentVolumeClaimProps => ({
      metadata: { name, labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: k8s.Quantity.fromString(size) } },
        ...(storageClass !== undefined ? { storageClassName: storageClass } : {}),
      },
    });
    const fieldEnv = (name: string, fieldPath: string): k8s.EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: meta('openbao'),
      spec: {
        serviceName: 'openbao-internal',
        replicas: this.replicas,
        // OrderedReady can stall pod 1 until pod 0 is ready, which needs a formed cluster: a deadlock.
        podManagementPolicy: 'Parallel',
        // Upgrades roll one pod at a time by hand (standbys first, then the active one) to keep quorum.
        updateStrategy: { type: 'OnDelete' },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        selector: { matchLabels: serverLabels },
        volumeClaimTemplates: [
          volumeClaim('data', props.storageSize ?? '10Gi', props.storageClass),
          ...(props.auditStorage !== undefined ? [volumeClaim('audit', props.auditStorage.size, props.auditStorage.storageClass)] : []),
        ],
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: serviceAccount.name,
            automountServiceAccountToken: true,
            terminationGracePeriodSeconds: 30,
            securityContext: { runAsNonRoot: true, runAsUser: UID, runAsGroup: GID, fsGroup: GID, seccompProfile: { type: 'RuntimeDefault' } },
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: region.regionLabelKey, operator: 'In', values: [region.region] }] }],
                },
              },
              podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: serverLabels }, topologyKey: 'kubernetes.io/hostname' }] },
            },
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: serverLabels } },
            ],
            containers: [
              {
                name: 'openbao',
                image: this.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['bao', 'server', `-config=${PATHS.config}/server.json`],
                ports: [
                  { name: 'http', containerPort: PORT_API, protocol: 'TCP' },
                  { name: 'https-internal', containerPort: PORT_CLUSTER, protocol: 'TCP' },
                ],
                env: [
                  fieldEnv('POD_NAME', 'metadata.name'),
                  fieldEnv('BAO_K8S_POD_NAME', 'metadata.name'),
                  fieldEnv('BAO_K8S_NAMESPACE', 'metadata.namespace'),
                  fieldEnv('VAULT_RAFT_NODE_ID', 'metadata.name'),
                  { name: 'BAO_API_ADDR', value: `https://$(POD_NAME).${internalHost}:${PORT_API}` },
                  { name: 'BAO_CLUSTER_ADDR', value: `https://$(POD_NAME).${internalHost}:${PORT_CLUSTER}` },
                  { name: 'BAO_ADDR', value: `https://127.0.0.1:${PORT_API}` },
                  { name: 'BAO_CACERT', value: `${PATHS.tls}/ca.crt` },
                  { name: 'HOME', value: PATHS.tmp },
                ],
                resources: toResources(props.resources),
                readinessProbe: {
                  httpGet: { path: health, port: k8s.IntOrString.fromNumber(PORT_API), scheme: 'HTTPS' },
                  initialDelaySeconds: 5,
                  periodSeconds: 5,
                  failureThreshold: 2,
                },
                livenessProbe: {
                  httpGet: { path: health, port: k8s.IntOrString.fromNumber(PORT_API), scheme: 'HTTPS' },
                  initialDelaySeconds: 60,
                  periodSeconds: 10,
                  failureThreshold: 6,
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [
                  { name: 'config', mountPath: PATHS.config, readOnly: true },
                  { name: 'data', mountPath: PATHS.data },
                  { name: 'tls', mountPath: PATHS.tls, readOnly: true },
                  { name: 'trust-bundle', mountPath: PATHS.trustBundle, readOnly: true },
                  { name: 'tmp', mountPath: PATHS.tmp },
                  ...seal.volumeMounts,
                  ...(props.auditStorage !== undefined ? [{ name: 'audit', mountPath: PATHS.audit }] : []),
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'openbao-config' } },
              { name: 'tls', secret: { secretName: this.caSecretName, defaultMode: 0o440 } },
              { name: 'trust-bundle', configMap: { name: trustBundle.configMapName, items: [{ key: trustBundle.key, path: 'ca.crt' }] } },
              { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('64Mi') } },
              ...seal.volumes,
            ],
          },
        },
      },
    });

    // Keep quorum: at most a minority of voters may be disrupted at once. A single dev server gets no PDB.
    if (this.replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata: meta('openbao'),
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(Math.floor((this.replicas - 1) / 2)), selector: { matchLabels: serverLabels } },
      });
    }

    const metricsNamespace = props.serviceMonitor ? (props.metricsNamespace ?? 'monitoring') : undefined;
    new OpenBaoNetworkPolicies(this, 'NetworkPolicies', {
      namespace: ns,
      serverLabels,
      labels,
      remoteClusters: this.role === RegionRole.PRIMARY ? region.peerClusterNames : [],
      metricsNamespace,
    });

    if (props.serviceMonitor) {
      new ServiceMonitor(this, 'ServiceMonitor', {
        metadata: meta('openbao'),
        spec: {
          selector: { matchLabels: serverLabels },
          namespaceSelector: { matchNames: [ns] },
          endpoints: [
            {
              port: 'http',
              scheme: ServiceMonitorSpecEndpointsScheme.HTTPS,
              path: '/v1/sys/metrics',
              params: { format: ['prometheus'] },
              interval: '30s',
              tlsConfig: { ca: { secret: { name: this.caSecretName, key: 'ca.crt' } }, serverName: `openbao.${ns}.svc` },
            },
          ],
        },
      });
    }
  }
}

function toResources(resources: ContainerResources | undefined): k8s.ResourceRequirements | undefined {
  if (resources === undefined) return undefined;
  const map = (values?: { cpu?: string; memory?: string }) =>
    values === undefined ? undefined : Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => [k, k8s.Quantity.fromString(v!)]));
  return { requests: map(resources.requests), limits: map(resources.limits) };
}

function validate(props: OpenBaoRegionProps): void {
  const problems: string[] = [];
  const replicas = props.replicas ?? 3;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas % 2 === 0) {
    problems.push(`replicas: must be an odd whole number (1, 3, 5) so a Raft quorum survives a minority loss (got ${replicas})`);
  }
  if (props.image !== undefined && !IMAGE_REF.test(props.image)) {
    problems.push(`image: "${props.image}" is not an image reference such as "quay.io/openbao/openbao:2.6.2"`);
  }
  for (const [field, value] of [['storageSize', props.storageSize], ['auditStorage.size', props.auditStorage?.size]] as const) {
    if (value !== undefined && !QUANTITY.test(value)) problems.push(`${field}: "${value}" is not a Kubernetes quantity such as "10Gi"`);
  }
  problems.push(...resourcesProblems('resources', props.resources));
  for (const [field, value] of [['namespace', props.namespace], ['metricsNamespace', props.metricsNamespace]] as const) {
    if (value !== undefined && (!DNS1123_LABEL.test(value) || value.length > 63)) problems.push(`${field}: "${value}" is not a DNS-1123 label`);
  }
  if (props.tlsIssuer !== undefined) problems.push(...issuerRefProblems('tlsIssuer', props.tlsIssuer));
  if (props.trustBundle !== undefined) {
    if (!DNS1123_SUBDOMAIN.test(props.trustBundle.configMapName)) problems.push(`trustBundle.configMapName: "${props.trustBundle.configMapName}" is not a ConfigMap name (DNS-1123 subdomain)`);
    if (!CONFIG_MAP_KEY.test(props.trustBundle.key)) problems.push(`trustBundle.key: "${props.trustBundle.key}" is not a ConfigMap key (letters, digits, '-', '_', '.')`);
  }
  if (props.storageClass !== undefined && !DNS1123_SUBDOMAIN.test(props.storageClass)) problems.push(`storageClass: "${props.storageClass}" is not a StorageClass name`);
  throwIfProblems('OpenBaoRegion', problems);
}
