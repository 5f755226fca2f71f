import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CONFIG_MAP_KEY, type ContainerResources, DNS1123_LABEL, DNS1123_SUBDOMAIN, IMAGE_REF, QUANTITY, resourcesProblems, SPIFFE_ID } from '../common/kube-values';
import { Certificate, CertificateSpecPrivateKeyAlgorithm, CertificateSpecPrivateKeyRotationPolicy, CertificateSpecUsages } from '../../imports/certificates-cert-manager.io';
import { ServiceMonitor, ServiceMonitorSpecEndpointsScheme } from '../../imports/servicemonitors-monitoring.coreos.com';
import { globalServiceAnnotations } from '../mesh/cluster-mesh';
import { GlobalServiceStub } from '../mesh/global-service-stub';
import { CertificateRequestPolicy, CertificateRequestPolicySpecAllowedUsages, CertificateRequestPolicySpecConstraintsPrivateKeyAlgorithm } from '../../imports/certificaterequestpolicies-policy.cert-manager.io';
import { type WorkloadRef, REPLICATION_PULL, REPLICATION_RESTORE, REPLICATION_VERIFIER, REPLICATOR_WORKLOAD, SNAPSHOT_BACKUP, SNAPSHOT_BACKUP_POD_LABELS, spiffeId } from '../secrets/spiffe';
import { type IssuerRef, issuerRefProblems, RegionContext, RegionRole } from '../common/region-context';
import { type AclPolicy, breakGlassPolicy, CERT_ROLES, renderPolicy, replicationPolicies, snapshotBackupPolicy } from './acl-policy';
import { OpenBaoNetworkPolicies } from './openbao-network-policies';
import type { OpenBaoSeal } from './seal';
import { type InitBlock, renderInitializeConfig, renderServerConfig, type ServerConfig } from './server-config';
import { quantities, regionNodeAffinity, restrictedContainer } from './pod-parts';
import { SELECT_CONFIG_SCRIPT, TLS_RELOAD_SCRIPT } from './server-scripts';
import { throwIfProblems } from '../common/problems';
import { type SecretTenant, tenantCertRoles, tenantProblems } from '../secrets/tenancy';

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
  /** Server container resources; replaces the default as a whole. @default requests cpu 250m and memory 256Mi, memory limit 1Gi */
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
  /** The offline-held identity of the break-glass administrator. @default CN 'openbao-break-glass', its CA from ConfigMap 'openbao-break-glass-ca' key 'ca.crt' */
  readonly breakGlass?: BreakGlassProps;
  /**
   * The Sovereign's secret tenants: self-initialisation writes one cert role and one policy per tenant and access,
   * bound to the SVIDs of that tenant's stores and scoped to its key prefix. Pass the same list in every region.
   * @default - no tenant roles (ESO cannot log in)
   */
  readonly tenants?: readonly SecretTenant[];
  /**
   * Render the approver-policy CertificateRequestPolicy (and the RBAC binding it to cert-manager's controller) that
   * lets the listener certificate be issued once cert-manager's default approver is disabled.
   * @default - none: cert-manager's default approver issues it
   */
  readonly issuancePolicy?: { readonly certManager: WorkloadRef };
}

/**
 * The break-glass administrator: a cert role bound to an identity kept offline (its certificate and key never reach
 * a cluster), trusted through its own CA bundle, granting full admin and usable only from inside a server pod
 * (`kubectl exec` or `kubectl port-forward`: logins are bound to loopback). It is the only admin path once
 * self-init has revoked the root token.
 */
export interface BreakGlassProps {
  /** Subject CN the break-glass certificate must carry (at most 64 characters). Set this or `spiffeId`. @default 'openbao-break-glass' */
  readonly commonName?: string;
  /** URI SAN the break-glass certificate must carry instead of a CN. @default - the common name is used */
  readonly spiffeId?: string;
  /** ConfigMap (in the OpenBao namespace) with the CA that issued the break-glass certificate. @default 'openbao-break-glass-ca' key 'ca.crt' */
  readonly caBundle?: { readonly configMapName: string; readonly key: string };
}

/** Labels of the OpenBao server pods (also the Raft auto_join selector). */
export const SERVER_LABELS = { 'app.kubernetes.io/name': 'openbao', 'app.kubernetes.io/instance': 'openbao', component: 'server' } as const;

const PORT_API = 8200;
const PORT_CLUSTER = 8201;
const UID = 100;
const GID = 1000;
const PATHS = {
  /** What the server loads: assembled per pod by the `select-config` init container. */
  config: '/openbao/config',
  /** The ConfigMap: `server.json` for every pod, `initialize.json` for the one pod that may self-initialise. */
  configTemplates: '/openbao/config-templates',
  data: '/openbao/data',
  tls: '/openbao/tls',
  trustBundle: '/openbao/trust-bundle',
  breakGlass: '/openbao/break-glass',
  audit: '/openbao/audit',
  /** `$TMPDIR`: snapshot restores stream through `os.CreateTemp("", ...)` (openbao v2.6.2 physical/raft/snapshot/snapshot.go). */
  scratch: '/openbao/scratch',
  /** `$HOME` of the CLI; small and in memory. */
  home: '/tmp',
  /** The listener certificate fingerprint the server last loaded, shared by select-config and the tls-reloader. */
  reloaderState: '/openbao/reloader',
} as const;
/** Requests by default: a BestEffort OpenBao is the first pod a node evicts. */
const DEFAULT_RESOURCES: ContainerResources = { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } };
const HEADLESS_SERVICE = 'openbao-internal';
/** Logins of the break-glass role are accepted from loopback only (cert path_login.go checks token_bound_cidrs, v2.6.2). */
const LOOPBACK = ['127.0.0.1/32', '::1/128'];
/** Workload roles that may only be used from inside a server pod. */
const LOOPBACK_ROLES: ReadonlySet<string> = new Set([CERT_ROLES.replicationRestore]);

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
  /** Size of each server's Raft volume. */
  public readonly storageSize: string;
  public readonly localUrl: string;
  public readonly activeUrl: string;
  public readonly primaryUrl: string;
  public readonly caSecretName = 'openbao-tls';
  public readonly sealFingerprint: string;
  /** The server configuration OpenBao reads, as rendered into the ConfigMap. */
  public readonly serverConfig: ServerConfig;
  /** The tenants whose cert roles and policies self-initialisation writes. */
  public get tenants(): readonly SecretTenant[] {
    return [...this.tenantList];
  }
  /** Non-fatal findings for the synth summary. */
  public readonly warnings: readonly string[];
  private readonly podContainers: k8s.Container[];
  private readonly tenantList: SecretTenant[];
  private readonly selfInit: { trustDomain: string; sovereign: string; ns: string; nativeReplication: boolean; breakGlass: BreakGlassProps };
  private readonly podVolumes: k8s.Volume[];

  constructor(scope: Construct, id: string, props: OpenBaoRegionProps) {
    super(scope, id);
    const region = RegionContext.of(this);
    validate(props, region.sovereign);
    const ns = props.namespace ?? 'openbao';
    this.namespace = ns;
    this.role = region.role;
    this.replicas = props.replicas ?? 3;
    this.image = props.image ?? 'quay.io/openbao/openbao:2.6.2';
    this.storageSize = props.storageSize ?? '10Gi';
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

    const breakGlassCa = props.breakGlass?.caBundle ?? { configMapName: 'openbao-break-glass-ca', key: 'ca.crt' };
    this.tenantList = [];
    this.selfInit = { trustDomain, sovereign: region.sovereign, ns, nativeReplication: props.nativeReplication ?? false, breakGlass: props.breakGlass ?? {} };
    for (const tenant of props.tenants ?? []) this.addTenant(tenant);

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
      audit: [
        // OpenBao refuses to modify a declared device on unseal (vault/audit.go validateAuditFromConfig, v2.6.2), so
        // the path names the destination: moving the log is then a removal plus an addition, which it reconciles.
        props.auditStorage === undefined
          ? { type: 'file', path: 'file-stdout', description: 'Every request and response, HMAC-ed, to stdout', options: { file_path: 'stdout' } }
          : { type: 'file', path: 'file-volume', description: 'Every request and response, HMAC-ed, to the audit volume', options: { file_path: `${PATHS.audit}/audit.log` } },
      ],
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
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: meta('openbao-config'),
      // Rendered at synthesis, so tenants added after construction (`addTenant`) get their roles too.
      data: { 'server.json': renderServerConfig(this.serverConfig), 'initialize.json': Lazy.any({ produce: () => renderInitializeConfig(this.initialize) }) },
    });

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
    if (props.issuancePolicy !== undefined) {
      // With cert-manager's default approver off, the listener certificate needs a policy of its own: exactly its
      // names, address, usages and lifetime, from its issuer, in this namespace (see SvidIssuancePolicy for the
      // approver-policy v0.27.0 semantics each field relies on).
      const policyName = `openbao-tls-${ns}`;
      const issuer = props.tlsIssuer ?? { kind: 'ClusterIssuer' as const, name: 'sovereign-ca' };
      new CertificateRequestPolicy(this, 'TlsIssuancePolicy', {
        metadata: { name: policyName, labels },
        spec: {
          allowed: {
            commonName: { value: `openbao.${ns}.svc`, required: true },
            dnsNames: { values: dnsNames, required: true },
            ipAddresses: { values: ['127.0.0.1'], required: true },
            isCa: false,
            usages: [
              CertificateRequestPolicySpecAllowedUsages.SERVER_AUTH,
              CertificateRequestPolicySpecAllowedUsages.CLIENT_AUTH,
              CertificateRequestPolicySpecAllowedUsages.DIGITAL_SIGNATURE,
              CertificateRequestPolicySpecAllowedUsages.KEY_ENCIPHERMENT,
            ],
          },
          constraints: { maxDuration: '2160h', privateKey: { algorithm: CertificateRequestPolicySpecConstraintsPrivateKeyAlgorithm.ECDSA, minSize: 256, maxSize: 256 } },
          selector: { issuerRef: { name: issuer.name, kind: issuer.kind, group: 'cert-manager.io' }, namespace: { matchNames: [ns] } },
        },
      });
      const rbac = { name: 'openbao-tls-issuance', namespace: ns, labels };
      new k8s.KubeRole(this, 'TlsIssuanceRole', {
        metadata: rbac,
        rules: [{ apiGroups: ['policy.cert-manager.io'], resources: ['certificaterequestpolicies'], verbs: ['use'], resourceNames: [policyName] }],
      });
      new k8s.KubeRoleBinding(this, 'TlsIssuanceRoleBinding', {
        metadata: rbac,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: rbac.name },
        subjects: [{ kind: 'ServiceAccount', name: props.issuancePolicy.certManager.serviceAccount, namespace: props.issuancePolicy.certManager.namespace }],
      });
    }

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

    // sys/health answers 200 active, 429 standby (200 with standbyok), 501 uninitialised, 503 sealed
    // (http/sys_health.go, v2.6.2). Readiness takes only unsealed, initialised servers. Auto-unseal retries only until
    // the first success (command/server.go runUnseal), so liveness restarts a server that seals itself later (a failed
    // restore). The startup probe holds liveness off until the server first answers unsealed, or uninitialised while
    // it waits to join: self-init, the join and the first unseal may take minutes.
    const healthProbe = (query: string, periodSeconds: number, failureThreshold: number): k8s.Probe => ({
      httpGet: { path: `/v1/sys/health?${query}`, port: k8s.IntOrString.fromNumber(PORT_API), scheme: 'HTTPS' },
      periodSeconds,
      failureThreshold,
      timeoutSeconds: 5,
    });
    const volumeClaim = (name: string, size: string, storageClass?: string): k8s.KubePersistentVolumeClaimProps => ({
      metadata: { name, labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: k8s.Quantity.fromString(size) } },
        ...(storageClass !== undefined ? { storageClassName: storageClass } : {}),
      },
    });
    const fieldEnv = (name: string, fieldPath: string): k8s.EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    const helperResources = { requests: quantities({ cpu: '10m', memory: '16Mi' }), limits: quantities({ memory: '64Mi' }) };
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
          volumeClaim('data', this.storageSize, props.storageClass),
          ...(props.auditStorage !== undefined ? [volumeClaim('audit', props.auditStorage.size, props.auditStorage.storageClass)] : []),
        ],
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: serviceAccount.name,
            automountServiceAccountToken: true,
            terminationGracePeriodSeconds: 30,
            // The tls-reloader signals the server process in the next container.
            shareProcessNamespace: true,
            securityContext: { runAsNonRoot: true, runAsUser: UID, runAsGroup: GID, fsGroup: GID, seccompProfile: { type: 'RuntimeDefault' } },
            affinity: {
              nodeAffinity: regionNodeAffinity(region),
              podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: serverLabels }, topologyKey: 'kubernetes.io/hostname' }] },
            },
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: serverLabels } },
            ],
            initContainers: [
              {
                // Exactly one pod may ever load `initialize`: a pod with both `initialize` and `retry_join` bootstraps
                // its own single-node cluster instead of joining (openbao/openbao#2274, #3652; command/server.go at
                // v2.6.2 runs Initialize before the backgrounded retry join completes).
                name: 'select-config',
                image: this.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['/bin/sh', '-c', SELECT_CONFIG_SCRIPT],
                env: [
                  fieldEnv('POD_NAME', 'metadata.name'),
                  { name: 'REPLICAS', value: String(this.replicas) },
                  { name: 'PEER_DOMAIN', value: `${HEADLESS_SERVICE}.${ns}.svc` },
                  { name: 'PEER_PORT', value: String(PORT_API) },
                  { name: 'PEER_WAIT_SECONDS', value: '300' },
                  { name: 'TEMPLATES', value: PATHS.configTemplates },
                  { name: 'CONFIG', value: PATHS.config },
                  { name: 'BAO_CACERT', value: `${PATHS.tls}/ca.crt` },
                  { name: 'HOME', value: PATHS.home },
                  { name: 'TLS_DIR', value: PATHS.tls },
                  { name: 'RELOADER_STATE', value: PATHS.reloaderState },
                  { name: 'TRUST_BUNDLE', value: `${PATHS.trustBundle}/ca.crt` },
                  { name: 'BREAK_GLASS_CA', value: `${PATHS.breakGlass}/ca.crt` },
                ],
                resources: helperResources,
                securityContext: restrictedContainer(),
                volumeMounts: [
                  { name: 'config-templates', mountPath: PATHS.configTemplates, readOnly: true },
                  { name: 'config', mountPath: PATHS.config },
                  { name: 'tls', mountPath: PATHS.tls, readOnly: true },
                  { name: 'trust-bundle', mountPath: PATHS.trustBundle, readOnly: true },
                  { name: 'break-glass-ca', mountPath: PATHS.breakGlass, readOnly: true },
                  { name: 'reloader-state', mountPath: PATHS.reloaderState },
                  { name: 'home', mountPath: PATHS.home },
                ],
              },
            ],
            // Kept as fields so addServerContainer can add to them until synthesis.
            containers: (this.podContainers = [
              {
                name: 'openbao',
                image: this.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['bao', 'server', `-config=${PATHS.config}`],
                ports: [
                  { name: 'http', containerPort: PORT_API, protocol: 'TCP' },
                  { name: 'https-internal', containerPort: PORT_CLUSTER, protocol: 'TCP' },
                ],
                env: [
                  fieldEnv('POD_NAME', 'metadata.name'),
                  fieldEnv('BAO_K8S_POD_NAME', 'metadata.name'),
                  fieldEnv('BAO_K8S_NAMESPACE', 'metadata.namespace'),
                  // BAO_ first: the VAULT_ name only works through api.ReadBaoVariable's fallback (physical/raft/raft.go, v2.6.2).
                  fieldEnv('BAO_RAFT_NODE_ID', 'metadata.name'),
                  { name: 'BAO_API_ADDR', value: `https://$(POD_NAME).${internalHost}:${PORT_API}` },
                  { name: 'BAO_CLUSTER_ADDR', value: `https://$(POD_NAME).${internalHost}:${PORT_CLUSTER}` },
                  { name: 'BAO_ADDR', value: `https://127.0.0.1:${PORT_API}` },
                  { name: 'BAO_CACERT', value: `${PATHS.tls}/ca.crt` },
                  { name: 'HOME', value: PATHS.home },
                  { name: 'TMPDIR', value: PATHS.scratch },
                ],
                resources: toResources(props.resources ?? DEFAULT_RESOURCES),
                startupProbe: healthProbe('standbyok=true&uninitcode=204', 5, 120),
                readinessProbe: healthProbe('standbyok=true', 5, 2),
                livenessProbe: healthProbe('standbyok=true&uninitcode=204', 10, 6),
                securityContext: restrictedContainer(),
                volumeMounts: [
                  { name: 'config', mountPath: PATHS.config, readOnly: true },
                  { name: 'data', mountPath: PATHS.data },
                  { name: 'tls', mountPath: PATHS.tls, readOnly: true },
                  { name: 'trust-bundle', mountPath: PATHS.trustBundle, readOnly: true },
                  { name: 'break-glass-ca', mountPath: PATHS.breakGlass, readOnly: true },
                  { name: 'scratch', mountPath: PATHS.scratch },
                  { name: 'home', mountPath: PATHS.home },
                  ...seal.volumeMounts,
                  ...(props.auditStorage !== undefined ? [{ name: 'audit', mountPath: PATHS.audit }] : []),
                ],
              },
              {
                // OpenBao 2.6 reads tls_cert_file once and reloads it only on SIGHUP (command/server.go; the listener's
                // tls_auto_reload is on main after 2.6.2, in no release): cert-manager renews at day 60 of 90.
                name: 'tls-reloader',
                image: this.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['/bin/sh', '-c', TLS_RELOAD_SCRIPT],
                env: [
                  { name: 'TLS_DIR', value: PATHS.tls },
                  { name: 'RELOADER_STATE', value: PATHS.reloaderState },
                  { name: 'INTERVAL_SECONDS', value: '60' },
                ],
                resources: helperResources,
                securityContext: restrictedContainer(),
                volumeMounts: [
                  { name: 'tls', mountPath: PATHS.tls, readOnly: true },
                  { name: 'reloader-state', mountPath: PATHS.reloaderState },
                ],
              },
            ]),
            volumes: (this.podVolumes = [
              { name: 'config-templates', configMap: { name: 'openbao-config' } },
              { name: 'config', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
              { name: 'tls', secret: { secretName: this.caSecretName, defaultMode: 0o440 } },
              { name: 'trust-bundle', configMap: { name: trustBundle.configMapName, items: [{ key: trustBundle.key, path: 'ca.crt' }] } },
              { name: 'break-glass-ca', configMap: { name: breakGlassCa.configMapName, items: [{ key: breakGlassCa.key, path: 'ca.crt' }] } },
              // Disk-backed and as large as the Raft volume, so a restored snapshot of all of it fits.
              { name: 'scratch', emptyDir: { sizeLimit: k8s.Quantity.fromString(this.storageSize) } },
              { name: 'home', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('16Mi') } },
              { name: 'reloader-state', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
              ...seal.volumes,
            ]),
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
      replicationPullers: props.nativeReplication ? 'replicator-jobs' : 'servers',
      localCluster: region.peerClusterNames.length > 0 ? region.clusterName : undefined,
      extraLocalCallers: [{ ...SNAPSHOT_BACKUP_POD_LABELS }],
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

  /**
   * Adds a container (and the volumes only it uses) to every server pod: for work that must run beside the server,
   * such as the replica's snapshot restores, whose role only admits logins from the pod's loopback.
   */
  /**
   * Adds a tenant whose cert roles and policies self-initialisation writes (the ConfigMap renders at synthesis).
   * Self-initialisation runs once, on the first boot of an empty cluster: a tenant added later reaches a running
   * region only through the tenancy runbook in the README.
   */
  public addTenant(tenant: SecretTenant): void {
    const problems = tenantProblems(tenant, this.selfInit.sovereign);
    if (this.tenantList.some((t) => t.name === tenant.name)) problems.push(`name: tenant ${tenant.name} is already added`);
    throwIfProblems(`OpenBaoRegion tenant ${String(tenant?.name)}`, problems);
    this.tenantList.push(tenant);
  }

  /** Policies written by self-initialisation. */
  public get policies(): readonly AclPolicy[] {
    return this.selfInitialisation().policies;
  }

  /** Cert auth roles written by self-initialisation for workloads: role (= policy) name -> allowed SPIFFE URIs. */
  public get certRoles(): Readonly<Record<string, readonly string[]>> {
    return this.selfInitialisation().certRoles;
  }

  /** Self-initialisation, which only ordinal 0 loads, and only while no peer is initialised. */
  public get initialize(): readonly InitBlock[] {
    return this.selfInitialisation().initialize;
  }

  // Policies and cert roles bind exactly the SPIFFE IDs the workload certificates carry. Every region writes every
  // tenant's roles: a restored snapshot replaces them with the primary's, which are the same.
  private selfInitialisation(): { policies: AclPolicy[]; certRoles: Record<string, readonly string[]>; initialize: InitBlock[] } {
    const { trustDomain, sovereign, ns, nativeReplication, breakGlass } = this.selfInit;
    const tenantRoles = tenantCertRoles(this.tenantList, trustDomain);
    const inNamespace = (workload: typeof REPLICATOR_WORKLOAD) => [spiffeId(trustDomain, { ...workload, namespace: ns })];
    // Every region knows the snapshot backup's role, though only the primary runs the backup: after a promotion the
    // new primary's backup must be able to log in, and a restore copies the primary's roles everywhere anyway.
    const policies = [...tenantRoles.map((r) => r.policy), ...replicationPolicies(sovereign, nativeReplication), snapshotBackupPolicy(), breakGlassPolicy()];
    const certRoles: Record<string, readonly string[]> = {
      ...Object.fromEntries(tenantRoles.map((r) => [r.role, r.allowedUris])),
      ...(nativeReplication
        ? { [CERT_ROLES.replicator]: inNamespace(REPLICATOR_WORKLOAD) }
        : {
            [CERT_ROLES.replicationPull]: inNamespace(REPLICATION_PULL),
            [CERT_ROLES.replicationRestore]: inNamespace(REPLICATION_RESTORE),
            [CERT_ROLES.replicationVerify]: inNamespace(REPLICATION_VERIFIER),
          }),
      [CERT_ROLES.snapshotBackup]: inNamespace(SNAPSHOT_BACKUP),
    };
    const certRole = (role: string, data: Record<string, unknown>) => ({ name: `cert-role-${requestName(role)}`, operation: 'update' as const, path: `auth/cert/certs/${role}`, data });
    // Audit is declarative (the `audit` stanza below): a `sys/audit` request is refused since 2.3.2, and a failed
    // self-init request leaves a marker that makes every later start refuse to unseal (vault/self_init.go, v2.6.2).
    const initialize: InitBlock[] = [
      { name: 'secrets', requests: [{ name: 'mount-kv-v2', operation: 'update', path: 'sys/mounts/secret', data: { type: 'kv', options: { version: '2' } } }] },
      { name: 'auth', requests: [{ name: 'enable-cert-auth', operation: 'update', path: 'sys/auth/cert', data: { type: 'cert' } }] },
      {
        name: 'policies',
        requests: policies.map((p) => ({ name: `policy-${requestName(p.name)}`, operation: 'update' as const, path: `sys/policies/acl/${p.name}`, data: { policy: renderPolicy(p) } })),
      },
      {
        name: 'cert-roles',
        requests: [
          ...Object.entries(certRoles).map(([role, uris]) =>
            certRole(role, {
              // The trust bundle is read from the mounted ConfigMap at init time, never inlined in the config.
              certificate: { eval_source: 'file', eval_type: 'string', path: `${PATHS.trustBundle}/ca.crt` },
              allowed_uri_sans: uris,
              token_policies: [role],
              // A restore copies every role to every region, the primary included: the restorer must therefore be
              // unusable across the mesh, so its logins are accepted from loopback only (cert path_login.go, v2.6.2).
              ...(LOOPBACK_ROLES.has(role) ? { token_bound_cidrs: LOOPBACK } : {}),
              token_ttl: '15m',
              token_max_ttl: '1h',
            }),
          ),
          certRole(CERT_ROLES.breakGlass, {
            certificate: { eval_source: 'file', eval_type: 'string', path: `${PATHS.breakGlass}/ca.crt` },
            ...(breakGlass.spiffeId !== undefined ? { allowed_uri_sans: [breakGlass.spiffeId] } : { allowed_common_names: [breakGlass.commonName ?? 'openbao-break-glass'] }),
            token_policies: [CERT_ROLES.breakGlass],
            token_bound_cidrs: LOOPBACK,
            token_ttl: '15m',
            token_max_ttl: '1h',
          }),
        ],
      },
    ];
    return { policies, certRoles, initialize };
  }

  public addServerContainer(container: k8s.Container, volumes: readonly k8s.Volume[] = []): void {
    const taken = new Set([...this.podContainers.map((c) => c.name), ...this.podVolumes.map((v) => v.name)]);
    const clash = [container.name, ...volumes.map((v) => v.name)].find((name) => taken.has(name));
    if (clash !== undefined) throw new Error(`OpenBaoRegion ${this.node.path}: the server pod already has a container or volume named "${clash}"`);
    this.podContainers.push(container);
    this.podVolumes.push(...volumes);
  }

}

function toResources(resources: ContainerResources | undefined): k8s.ResourceRequirements | undefined {
  if (resources === undefined) return undefined;
  const map = (values?: { cpu?: string; memory?: string }) =>
    values === undefined ? undefined : Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => [k, k8s.Quantity.fromString(v!)]));
  return { requests: map(resources.requests), limits: map(resources.limits) };
}

// Self-init request names allow no '.', which system tenant names (`cnpg.<namespace>`) carry; '_' appears in no
// tenant name, so the mapping stays unique.
function requestName(name: string): string {
  return name.replace(/\./g, '_');
}

function validate(props: OpenBaoRegionProps, sovereign: string): void {
  const problems: string[] = [];
  (props.tenants ?? []).forEach((tenant, index) => problems.push(...tenantProblems(tenant, sovereign).map((p) => `tenants[${index}] (${tenant.name}).${p}`)));
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
  const breakGlass = props.breakGlass;
  if (breakGlass !== undefined) {
    if (breakGlass.commonName !== undefined && breakGlass.spiffeId !== undefined) problems.push('breakGlass: set commonName or spiffeId, not both');
    if (breakGlass.commonName !== undefined && (breakGlass.commonName.length === 0 || breakGlass.commonName.length > 64)) {
      problems.push(`breakGlass.commonName: "${breakGlass.commonName}" must be 1 to 64 characters (an X.509 CN)`);
    }
    if (breakGlass.spiffeId !== undefined && !SPIFFE_ID.test(breakGlass.spiffeId)) problems.push(`breakGlass.spiffeId: "${breakGlass.spiffeId}" is not a SPIFFE ID such as "spiffe://omantel.example/break-glass"`);
    if (breakGlass.caBundle !== undefined) {
      if (!DNS1123_SUBDOMAIN.test(breakGlass.caBundle.configMapName)) problems.push(`breakGlass.caBundle.configMapName: "${breakGlass.caBundle.configMapName}" is not a ConfigMap name`);
      if (!CONFIG_MAP_KEY.test(breakGlass.caBundle.key)) problems.push(`breakGlass.caBundle.key: "${breakGlass.caBundle.key}" is not a ConfigMap key`);
    }
  }
  throwIfProblems('OpenBaoRegion', problems);
}
