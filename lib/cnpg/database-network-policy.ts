import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  CiliumNetworkPolicy,
  type CiliumNetworkPolicySpecIngress,
  CiliumNetworkPolicySpecIngressToPortsPortsProtocol,
} from '../../imports/ciliumnetworkpolicies-cilium.io';
import { labelNameProblem, labelsProblems, throwIfProblems } from '../common/problems';
import { RegionContext } from '../common/region-context';
import { CILIUM_CLUSTER_LABEL, CILIUM_NAMESPACE_LABEL } from '../mesh/cluster-mesh';

/** Where the CloudNativePG operator runs in a region cluster. */
export interface CnpgOperatorRef {
  /** Namespace of the operator's pods. @default 'cnpg-system' */
  readonly namespace?: string;
  /** Labels that select the operator's pods in that namespace. @default { 'app.kubernetes.io/name': 'cloudnative-pg' } */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** Who may reach a database's instances besides CloudNativePG itself; the `networkPolicy` of a pair. */
export interface DatabaseNetworkPolicyOptions {
  /** Further namespaces of the same region cluster whose pods are clients (PostgreSQL, 5432). @default [] */
  readonly clientNamespaces?: readonly string[];
  /**
   * Only pods carrying all these labels are clients, in the Cluster's own namespace and in `clientNamespaces`. A
   * CNPG Pooler in front of the database needs them too (on `spec.template.metadata.labels`).
   * @default - every pod of those namespaces
   */
  readonly clientPodLabels?: Readonly<Record<string, string>>;
  /** The CNPG operator (installed by CNPG 1.30's release manifest or Helm chart). @default - namespace 'cnpg-system', pods labelled 'app.kubernetes.io/name: cloudnative-pg' */
  readonly operator?: CnpgOperatorRef;
  /** Namespace of the Prometheus allowed to scrape the instances' metrics port (9187). @default - nothing scrapes; the port stays closed */
  readonly metricsNamespace?: string;
}

export interface DatabaseNetworkPolicyProps extends DatabaseNetworkPolicyOptions {
  /** The CNPG `Cluster` (postgresql.cnpg.io) whose instance pods the policy protects, in a chart with a region context. */
  readonly cluster: ApiObject;
  /**
   * The other Cluster of a hot-standby pair, in another region cluster of the ClusterMesh: its instances and bootstrap
   * Jobs may stream from this Cluster (5432), matched by their ClusterMesh cluster name.
   * @default - no remote peer (the single-Cluster shape)
   */
  readonly peer?: ApiObject;
  /** Labels of the policy object. @default - the region's common labels */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Where CNPG 1.30 runs its operator: namespace and pod labels of `releases/cnpg-1.30.0.yaml` (cloudnative-pg, tag
 * v1.30.0), which the Helm chart's selector labels match (cloudnative-pg/charts `charts/cloudnative-pg/templates/_helpers.tpl`,
 * tag cloudnative-pg-v0.29.0, appVersion 1.30.0; its namespace is the release's, `cnpg-system` in CNPG's docs).
 */
export const CNPG_OPERATOR_DEFAULTS = { namespace: 'cnpg-system', podLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } } as const;

// CNPG labels and ports, as cloudnative-pg v1.30.0 defines them.
const CNPG_CLUSTER_LABEL = 'cnpg.io/cluster'; // pkg/utils/labels_annotations.go ClusterLabelName
const CNPG_POD_ROLE_LABEL = 'cnpg.io/podRole'; // pkg/utils/labels_annotations.go PodRoleLabelName, value PodRoleInstance
const POSTGRES_PORT = 5432; // pkg/postgres ServerPort, the container port in pkg/specs/pods.go
const STATUS_PORT = 8000; // pkg/management/url/url.go StatusPort
const METRICS_PORT = 9187; // pkg/management/url/url.go PostgresMetricsPort

// The labels CNPG puts on every instance pod of a Cluster (and on no Job or Pooler pod).
function cnpgInstanceLabels(clusterName: string): Record<string, string> {
  return { [CNPG_CLUSTER_LABEL]: clusterName, [CNPG_POD_ROLE_LABEL]: 'instance' };
}

/**
 * Ingress to one CNPG Cluster's instance pods, as a CiliumNetworkPolicy: only its clients (the Cluster's namespace,
 * plus `clientNamespaces`) on 5432, the CNPG operator on 8000 and 5432, the Cluster's own instances and Jobs on 5432
 * and 8000, the pair's other Cluster from its ClusterMesh cluster on 5432, and optionally a metrics scraper on 9187.
 * Everything else — above all any pod of another mesh cluster reaching a global `<name>-mesh` Service — is dropped.
 *
 * When the region has ClusterMesh peers, every local peer is pinned to this cluster's name too: Cilium 1.18 and older
 * (and 1.19 with `policy-default-local-cluster: false`) let a selector without `io.cilium.k8s.policy.cluster` match
 * endpoints of every cluster, so the same namespace in another region would otherwise count as local. Egress is not
 * restricted: WAL archiving and base backups leave the pods for the object stores. Cilium policies add up, so a path this policy does not know (e.g. replication through an
 * `externalHost` outside the mesh) is opened with a further policy, not by editing this one.
 */
export class DatabaseNetworkPolicy extends Construct {
  /** Name of the CiliumNetworkPolicy: `<cluster>-ingress`. */
  public readonly policyName: string;
  public readonly clusterName: string;
  public readonly namespace: string;
  /** Namespaces whose pods are clients: the Cluster's own first. */
  public readonly clientNamespaces: readonly string[];
  public readonly clientPodLabels?: Readonly<Record<string, string>>;
  public readonly operatorNamespace: string;
  public readonly operatorPodLabels: Readonly<Record<string, string>>;
  public readonly metricsNamespace?: string;
  /** ClusterMesh cluster name local peers are pinned to; undefined when the region has no mesh peers. */
  public readonly localMeshCluster?: string;
  /** The remote peer Cluster and its ClusterMesh cluster name; undefined without a peer. */
  public readonly peer?: { readonly clusterName: string; readonly namespace: string; readonly meshCluster: string };

  constructor(scope: Construct, id: string, props: DatabaseNetworkPolicyProps) {
    super(scope, id);
    const region = RegionContext.of(this);
    const namespace = props.cluster.metadata.namespace;
    const peerRegion = props.peer === undefined ? undefined : RegionContext.of(props.peer);
    const problems = databaseNetworkPolicyProblems(props);
    for (const [field, object] of [['cluster', props.cluster], ['peer', props.peer]] as const) {
      if (object !== undefined && (object.kind !== 'Cluster' || !object.apiVersion.startsWith('postgresql.cnpg.io/'))) {
        problems.push(`${field}: ${object.apiVersion} ${object.kind} ${object.name} is not a CloudNativePG Cluster (postgresql.cnpg.io/v1); pass the Cluster whose pods to protect`);
      }
    }
    if (namespace === undefined) problems.unshift(`cluster: Cluster ${props.cluster.name} has no metadata.namespace; give it the namespace its pods run in`);
    if (props.peer !== undefined && props.peer.metadata.namespace === undefined) problems.push(`peer: Cluster ${props.peer.name} has no metadata.namespace`);
    if (peerRegion !== undefined && peerRegion.clusterName === region.clusterName) {
      problems.push(`peer: Cluster ${props.peer!.name} is in ClusterMesh cluster ${region.clusterName}, the same as ${props.cluster.name}; a peer must run in another region cluster`);
    }
    throwIfProblems(`DatabaseNetworkPolicy ${namespace ?? '<no namespace>'}/${props.cluster.name}`, problems);

    this.clusterName = props.cluster.name;
    this.namespace = namespace!;
    this.policyName = `${this.clusterName}-ingress`;
    this.clientNamespaces = [...new Set([this.namespace, ...(props.clientNamespaces ?? [])])];
    this.clientPodLabels = props.clientPodLabels === undefined ? undefined : { ...props.clientPodLabels };
    this.operatorNamespace = props.operator?.namespace ?? CNPG_OPERATOR_DEFAULTS.namespace;
    this.operatorPodLabels = { ...(props.operator?.podLabels ?? CNPG_OPERATOR_DEFAULTS.podLabels) };
    this.metricsNamespace = props.metricsNamespace;
    this.localMeshCluster = region.peerClusterNames.length > 0 || props.peer !== undefined ? region.clusterName : undefined;
    this.peer =
      props.peer === undefined ? undefined : { clusterName: props.peer.name, namespace: props.peer.metadata.namespace!, meshCluster: peerRegion!.clusterName };

    const local: Record<string, string> = this.localMeshCluster === undefined ? {} : { [CILIUM_CLUSTER_LABEL]: this.localMeshCluster };
    const from = (namespace: string, labels: Readonly<Record<string, string>> = {}, cluster: Record<string, string> = local) => ({
      matchLabels: { ...labels, [CILIUM_NAMESPACE_LABEL]: namespace, ...cluster },
    });
    const tcp = (...ports: number[]) => [{ ports: ports.map((port) => ({ port: String(port), protocol: CiliumNetworkPolicySpecIngressToPortsPortsProtocol.TCP })) }];

    const ingress: CiliumNetworkPolicySpecIngress[] = [
      // The pair's clients: PostgreSQL only (CNPG's rw/ro/r Services target 5432, pkg/specs/services.go at v1.30.0).
      { fromEndpoints: this.clientNamespaces.map((ns) => from(ns, this.clientPodLabels)), toPorts: tcp(POSTGRES_PORT) },
      // The operator reaches every instance on 8000 and 5432 (docs/src/networking.md, docs/src/samples/networkpolicy-example.yaml at v1.30.0).
      { fromEndpoints: [from(this.operatorNamespace, this.operatorPodLabels)], toPorts: tcp(STATUS_PORT, POSTGRES_PORT) },
      // Own instances and Jobs (all labelled cnpg.io/cluster, pkg/specs/jobs.go at v1.30.0): streaming, join pg_basebackup and pg_rewind on 5432; the liveness isolation check GETs peers' /failsafe on 8000 (pkg/management/postgres/webserver/probes/pinger.go at v1.30.0).
      { fromEndpoints: [from(this.namespace, { [CNPG_CLUSTER_LABEL]: this.clusterName })], toPorts: tcp(POSTGRES_PORT, STATUS_PORT) },
    ];
    if (this.peer !== undefined) {
      // The other Cluster's instances and pg_basebackup Job stream over the mesh; the cluster label is Cilium's PolicyLabelCluster (pkg/k8s/apis/cilium.io/const.go; cilium/cilium code index, not v1.17.3 itself).
      ingress.push({
        fromEndpoints: [from(this.peer.namespace, { [CNPG_CLUSTER_LABEL]: this.peer.clusterName }, { [CILIUM_CLUSTER_LABEL]: this.peer.meshCluster })],
        toPorts: tcp(POSTGRES_PORT),
      });
    }
    if (this.metricsNamespace !== undefined) {
      // The instance manager's Prometheus exporter (pkg/management/url/url.go PostgresMetricsPort at v1.30.0).
      ingress.push({ fromEndpoints: [from(this.metricsNamespace)], toPorts: tcp(METRICS_PORT) });
    }

    new CiliumNetworkPolicy(this, 'Resource', {
      metadata: { name: this.policyName, namespace: this.namespace, labels: { ...(props.labels ?? region.commonLabels) } },
      spec: {
        description: `Ingress to the instances of CNPG Cluster ${this.clusterName}: clients, the CNPG operator, its own instances${this.peer === undefined ? '' : ` and ${this.peer.clusterName} in ${this.peer.meshCluster}`}`,
        // Instance pods carry cnpg.io/cluster and cnpg.io/podRole=instance (pkg/specs/pods.go buildInstance at v1.30.0).
        endpointSelector: { matchLabels: cnpgInstanceLabels(this.clusterName) },
        // kubelet probes come from the local host, which Cilium admits by default in Kubernetes (allow-localhost "auto" -> "always", pkg/option/config.go).
        ingress,
        // No egress section: with only ingress rules the endpoint's egress is not default-deny (enableDefaultDeny in the
        // v1.17.3 CRD). Egress stays open on purpose: the Barman Cloud sidecar in every instance pod reaches the object
        // stores (WAL archive, base backups, and a replica reading the primary's archive in another region) over HTTPS,
        // and a policy restricting egress would have to admit exactly those endpoints (toFQDNs, which needs Cilium's DNS
        // proxy) plus DNS, the Kubernetes API and the mesh peer — a change of its own, not made here.
      },
    });
  }
}

/** Problems with the options of a database network policy, each naming its field under `prefix`. */
export function databaseNetworkPolicyProblems(options: DatabaseNetworkPolicyOptions, prefix = ''): string[] {
  const problems: string[] = [];
  const field = (name: string) => `${prefix}${name}`;
  for (const [index, namespace] of (options.clientNamespaces ?? []).entries()) {
    const problem = labelNameProblem(field(`clientNamespaces[${index}]`), namespace);
    if (problem !== undefined) problems.push(problem);
  }
  problems.push(...labelsProblems(field('clientPodLabels'), options.clientPodLabels));
  if (options.operator?.namespace !== undefined) {
    const problem = labelNameProblem(field('operator.namespace'), options.operator.namespace);
    if (problem !== undefined) problems.push(problem);
  }
  problems.push(...labelsProblems(field('operator.podLabels'), options.operator?.podLabels));
  if (options.metricsNamespace !== undefined) {
    const problem = labelNameProblem(field('metricsNamespace'), options.metricsNamespace);
    if (problem !== undefined) problems.push(`${problem}; name the namespace of the Prometheus that scrapes 9187`);
  }
  return problems;
}
