import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  CiliumNetworkPolicy,
  CiliumNetworkPolicySpecEgressToEntities,
  CiliumNetworkPolicySpecEgressToPortsPortsProtocol,
  CiliumNetworkPolicySpecIngressToPortsPortsProtocol,
} from '../../imports/ciliumnetworkpolicies-cilium.io';
import { CILIUM_CLUSTER_LABEL, CILIUM_NAMESPACE_LABEL } from '../mesh/cluster-mesh';
import { ESO_POD_LABELS, ESO_WORKLOAD, REPLICATOR_POD_LABELS } from '../secrets/spiffe';


export interface OpenBaoNetworkPoliciesProps {
  readonly namespace: string;
  readonly serverLabels: Record<string, string>;
  readonly labels: Record<string, string>;
  /** ClusterMesh names of the other regions' clusters whose ESO and replication pullers may call this primary. Empty on replicas. */
  readonly remoteClusters: readonly string[];
  /** Namespace of the Prometheus that scrapes metrics; undefined when nothing scrapes. */
  readonly metricsNamespace?: string;
  /**
   * Who pulls replication from the primary across the mesh: the replicas' server pods (raftSnapshot: the restore agent
   * runs beside the server) or the nativePerformance Job's pods.
   */
  readonly replicationPullers: 'servers' | 'replicator-jobs';
  /** This region's ClusterMesh cluster name, to pin local callers to; undefined when the region has no mesh peers. */
  readonly localCluster?: string;
  /** Pod labels of further callers in the OpenBao namespace admitted to the API (e.g. the snapshot backup Job). @default - none */
  readonly extraLocalCallers?: readonly Record<string, string>[];
}

const API = 8200;
const CLUSTER = 8201;

/**
 * Default deny in the OpenBao namespace, then exactly the flows the agreed model needs: the API from ESO and the
 * replication Jobs, Raft and request forwarding only among the region's own servers, DNS and the Kubernetes API out.
 * Cross-cluster callers need a CiliumNetworkPolicy that names their cluster (Cilium 1.19 selectors match only
 * the local cluster otherwise).
 */
export class OpenBaoNetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: OpenBaoNetworkPoliciesProps) {
    super(scope, id);
    const { namespace, serverLabels, labels } = props;
    const tcp = (...ports: number[]) => ports.map((port) => ({ port: k8s.IntOrString.fromNumber(port), protocol: 'TCP' }));
    const meta = (name: string) => ({ name, namespace, labels });

    new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: meta('default-deny'),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });

    // A CiliumNetworkPolicy rather than a NetworkPolicy: on Cilium 1.18 and older a label selector matches endpoints of
    // every mesh cluster (docs.cilium.io network/clustermesh/policy, policy-default-local-cluster), so each local
    // peer is pinned to this region's cluster when the region has mesh peers.
    const local: Record<string, string> = props.localCluster === undefined ? {} : { [CILIUM_CLUSTER_LABEL]: props.localCluster };
    const ingressPorts = (...ports: number[]) => [{ ports: ports.map((port) => ({ port: String(port), protocol: CiliumNetworkPolicySpecIngressToPortsPortsProtocol.TCP })) }];
    const metricsPeer = props.metricsNamespace === undefined ? [] : [{ matchLabels: { [CILIUM_NAMESPACE_LABEL]: props.metricsNamespace, ...local } }];
    new CiliumNetworkPolicy(this, 'ServerIngress', {
      metadata: meta('openbao-server-ingress'),
      spec: {
        endpointSelector: { matchLabels: serverLabels },
        ingress: [
          {
            fromEndpoints: [
              { matchLabels: { ...ESO_POD_LABELS, [CILIUM_NAMESPACE_LABEL]: ESO_WORKLOAD.namespace, ...local } },
              { matchLabels: { ...REPLICATOR_POD_LABELS, [CILIUM_NAMESPACE_LABEL]: namespace, ...local } },
              ...(props.extraLocalCallers ?? []).map((callerLabels) => ({ matchLabels: { ...callerLabels, [CILIUM_NAMESPACE_LABEL]: namespace, ...local } })),
              ...metricsPeer,
            ],
            toPorts: ingressPorts(API),
          },
          // retry_join reaches the leader's API; Raft and request forwarding use the cluster port.
          { fromEndpoints: [{ matchLabels: { ...serverLabels, [CILIUM_NAMESPACE_LABEL]: namespace, ...local } }], toPorts: ingressPorts(API, CLUSTER) },
        ],
      },
    });

    new k8s.KubeNetworkPolicy(this, 'Egress', {
      metadata: meta('openbao-egress'),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [{ port: k8s.IntOrString.fromNumber(53), protocol: 'UDP' }, ...tcp(53)],
          },
          { to: [{ podSelector: { matchLabels: serverLabels } }], ports: tcp(API, CLUSTER) },
        ],
      },
    });

    // The API server is not a pod: only Cilium's entity selector reaches it reliably (service registration, auto_join).
    new CiliumNetworkPolicy(this, 'KubeApiEgress', {
      metadata: meta('openbao-kube-apiserver'),
      spec: {
        endpointSelector: { matchLabels: serverLabels },
        egress: [
          {
            toEntities: [CiliumNetworkPolicySpecEgressToEntities.KUBE_HYPHEN_APISERVER],
            toPorts: [{ ports: [443, 6443].map((port) => ({ port: String(port), protocol: CiliumNetworkPolicySpecEgressToPortsPortsProtocol.TCP })) }],
          },
        ],
      },
    });

    if (props.remoteClusters.length > 0) {
      const inClusters = { key: CILIUM_CLUSTER_LABEL, operator: 'In', values: [...props.remoteClusters] } as const;
      new CiliumNetworkPolicy(this, 'RemoteCallers', {
        metadata: meta('openbao-primary-remote-callers'),
        spec: {
          endpointSelector: { matchLabels: serverLabels },
          ingress: [
            {
              fromEndpoints: [
                { matchLabels: { ...ESO_POD_LABELS, [CILIUM_NAMESPACE_LABEL]: ESO_WORKLOAD.namespace }, matchExpressions: [inClusters as never] },
                {
                  matchLabels: { ...(props.replicationPullers === 'servers' ? serverLabels : REPLICATOR_POD_LABELS), [CILIUM_NAMESPACE_LABEL]: namespace },
                  matchExpressions: [inClusters as never],
                },
              ],
              toPorts: [{ ports: [{ port: String(API), protocol: CiliumNetworkPolicySpecIngressToPortsPortsProtocol.TCP }] }],
            },
          ],
        },
      });
    }
  }
}
