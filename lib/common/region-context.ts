import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Construct, IConstruct } from 'constructs';
import { CLUSTERMESH_GLOBAL_NAMESPACE } from '../mesh/cluster-mesh';
import { DNS1123_LABEL, DNS1123_SUBDOMAIN, LABEL_KEY } from './kube-values';
import { MANAGED_BY, POD_SECURITY_RESTRICTED, REGION_LABEL, SOVEREIGN_LABEL } from './labels';
import { throwIfProblems } from './problems';
import type { IssuedIdentity } from '../secrets/svid-issuance-policy';

/** Whether a region holds the OpenBao write primary or a read-only replica (§2, §6). */
export enum RegionRole {
  PRIMARY = 'primary',
  REPLICA = 'replica',
}

/** A cert-manager issuer, referenced by kind and name. */
export interface IssuerRef {
  readonly kind: 'Issuer' | 'ClusterIssuer';
  readonly name: string;
}

/** The region facts every construct of this library reads from its scope. */
export interface RegionContextProps {
  /** Name of the Sovereign (one customer's deployment), a DNS-1123 label; OpenBao key paths start with `sovereign/<sovereign>/`. */
  readonly sovereign: string;
  /** The region: the value of `regionLabelKey` on this cluster's nodes, a DNS-1123 label. */
  readonly region: string;
  /** Cilium ClusterMesh name of this region's cluster. @default - the region name */
  readonly clusterName?: string;
  /** Whether this region holds the OpenBao write primary. @default RegionRole.PRIMARY */
  readonly role?: RegionRole;
  /** The Sovereign's OpenBao write primary region. @default - this region when it is the primary; required for a replica */
  readonly primaryRegion?: string;
  /** Node label key that pins pods to a region. @default 'topology.kubernetes.io/region' */
  readonly regionLabelKey?: string;
  /** SPIFFE trust domain of the Sovereign's workload identities. */
  readonly trustDomain: string;
  /** cert-manager issuer of the workload SVIDs. @default ClusterIssuer 'spiffe-ca' */
  readonly svidIssuer?: IssuerRef;
  /** ClusterMesh names of the Sovereign's other region clusters (the primary admits their replication pullers and ESO). @default [] */
  readonly peerClusterNames?: readonly string[];
  /** Create the Namespace objects the constructs use (Pod Security `restricted`). Turn off when the chart already owns them. @default true */
  readonly createNamespaces?: boolean;
}

const CONTEXT = Symbol.for('sovereign-cdk8s.RegionContext');
const NAMESPACES = Symbol.for('sovereign-cdk8s.RegionNamespaces');

/**
 * The region a scope renders for: which Sovereign, which region cluster, its role, label key and identity. A
 * `RegionChart` provides one for everything inside it; `RegionContext.provide(chart, {...})` gives one to a plain
 * cdk8s `Chart` (or an `App`) so the library's constructs can be composed into a chart the user already has.
 */
export class RegionContext {
  /** Gives `scope` (and everything that will be created inside it) a region context. */
  public static provide(scope: IConstruct, props: RegionContextProps): RegionContext {
    if (Object.prototype.hasOwnProperty.call(scope, CONTEXT)) {
      throw new Error(`${scope.node.path || '<root>'} already has a region context; give each region's chart its own`);
    }
    const context = new RegionContext(props);
    Object.defineProperty(scope, CONTEXT, { value: context });
    return context;
  }

  /** The nearest region context above a construct (the construct itself included), or undefined. */
  public static tryOf(construct: IConstruct): RegionContext | undefined {
    const scopes = construct.node.scopes;
    for (let index = scopes.length - 1; index >= 0; index--) {
      const context = (scopes[index] as unknown as { [CONTEXT]?: RegionContext })[CONTEXT];
      if (context !== undefined) return context;
    }
    return undefined;
  }

  /** The nearest region context above a construct; throws a clear error when there is none. */
  public static of(construct: IConstruct): RegionContext {
    const context = RegionContext.tryOf(construct);
    if (context === undefined) {
      throw new Error(
        `${construct.node.path} has no region context: create it inside a Sovereign's RegionChart, or call RegionContext.provide(chart, { sovereign, region, trustDomain, ... }) on its chart first`,
      );
    }
    return context;
  }

  public readonly sovereign: string;
  public readonly region: string;
  public readonly clusterName: string;
  public readonly role: RegionRole;
  public readonly primaryRegion: string;
  public readonly regionLabelKey: string;
  public readonly trustDomain: string;
  public readonly svidIssuer: IssuerRef;
  public readonly peerClusterNames: readonly string[];
  public readonly createNamespaces: boolean;

  private readonly labels: Readonly<Record<string, string>>;
  private readonly issued: IssuedIdentity[] = [];
  private readonly issuedListeners: ((identity: IssuedIdentity) => void)[] = [];

  private constructor(props: RegionContextProps) {
    const problems = contextProblems(props);
    throwIfProblems('region context', problems);
    this.sovereign = props.sovereign;
    this.region = props.region;
    this.labels = { ...MANAGED_BY, [SOVEREIGN_LABEL]: this.sovereign, [REGION_LABEL]: this.region };
    this.clusterName = props.clusterName ?? props.region;
    this.role = props.role ?? RegionRole.PRIMARY;
    this.primaryRegion = props.primaryRegion ?? props.region;
    this.regionLabelKey = props.regionLabelKey ?? 'topology.kubernetes.io/region';
    this.trustDomain = props.trustDomain;
    this.svidIssuer = props.svidIssuer ?? { kind: 'ClusterIssuer', name: 'spiffe-ca' };
    this.peerClusterNames = [...(props.peerClusterNames ?? [])];
    this.createNamespaces = props.createNamespaces ?? true;
  }

  /** Records an SVID issued in this region; `WorkloadIdentity.bind` calls it for every Certificate it renders. */
  public recordIssuedIdentity(identity: IssuedIdentity): void {
    this.issued.push(identity);
    for (const listener of this.issuedListeners) listener(identity);
  }

  /** Calls `listener` for every SVID issued in this region: those recorded so far, then each one as it is recorded. */
  public onIssuedIdentity(listener: (identity: IssuedIdentity) => void): void {
    for (const identity of this.issued) listener(identity);
    this.issuedListeners.push(listener);
  }

  /** Labels every object of this Sovereign and region carries. */
  public get commonLabels(): Record<string, string> {
    // A copy every time, since callers may add to it; copying one fixed shape is cheap, building it is not.
    return { ...this.labels };
  }

  /**
   * Creates, in the chart that holds `scope`, the Namespace (Pod Security `restricted`) the first time a construct
   * asks for it, unless the context leaves namespaces to the chart's owner. A namespace whose services or identities
   * must be seen by other clusters is marked ClusterMesh-global, which Cilium requires when it runs with
   * `clustermesh-default-global-namespace=false`.
   */
  public ensureNamespace(scope: Construct, name: string, options: { readonly clusterMeshGlobal?: boolean } = {}): k8s.KubeNamespace | undefined {
    if (!this.createNamespaces) return undefined;
    const chart = Chart.of(scope) as Chart & { [NAMESPACES]?: Map<string, k8s.KubeNamespace> };
    if (chart[NAMESPACES] === undefined) {
      Object.defineProperty(chart, NAMESPACES, { value: new Map<string, k8s.KubeNamespace>() });
    }
    const namespaces = chart[NAMESPACES]!;
    let namespace = namespaces.get(name);
    if (namespace === undefined) {
      namespace = new k8s.KubeNamespace(chart, `namespace-${name}`, {
        metadata: { name, labels: { ...this.commonLabels, ...POD_SECURITY_RESTRICTED } },
      });
      namespaces.set(name, namespace);
    }
    if (options.clusterMeshGlobal === true) {
      namespace.metadata.addAnnotation(CLUSTERMESH_GLOBAL_NAMESPACE, 'true');
    }
    return namespace;
  }
}

function contextProblems(props: RegionContextProps): string[] {
  const problems: string[] = [];
  const label = (field: string, value: unknown, max = 63) => {
    if (typeof value !== 'string' || !DNS1123_LABEL.test(value) || value.length > max) {
      problems.push(`${field}: ${JSON.stringify(value)} must be a DNS-1123 label of at most ${max} characters`);
    }
  };
  label('sovereign', props.sovereign);
  label('region', props.region);
  if (props.clusterName !== undefined) label('clusterName', props.clusterName, 32);
  if (props.primaryRegion !== undefined) label('primaryRegion', props.primaryRegion);
  for (const [index, peer] of (props.peerClusterNames ?? []).entries()) label(`peerClusterNames[${index}]`, peer, 32);
  if (props.role !== undefined && !Object.values(RegionRole).includes(props.role)) {
    problems.push(`role: ${JSON.stringify(props.role)} must be RegionRole.PRIMARY or RegionRole.REPLICA`);
  }
  if (props.role === RegionRole.REPLICA && (props.primaryRegion === undefined || props.primaryRegion === props.region)) {
    problems.push('primaryRegion: a replica region must name the Sovereign\'s OpenBao primary, another region');
  }
  if (props.role !== RegionRole.REPLICA && props.primaryRegion !== undefined && props.primaryRegion !== props.region) {
    problems.push(`role: the region is ${props.region} but primaryRegion is ${props.primaryRegion}; set role: RegionRole.REPLICA`);
  }
  if (props.regionLabelKey !== undefined && !LABEL_KEY.test(props.regionLabelKey)) {
    problems.push(`regionLabelKey: ${JSON.stringify(props.regionLabelKey)} is not a Kubernetes label key such as "topology.kubernetes.io/region"`);
  }
  if (typeof props.trustDomain !== 'string' || !DNS1123_SUBDOMAIN.test(props.trustDomain)) {
    problems.push(`trustDomain: ${JSON.stringify(props.trustDomain)} must be a SPIFFE trust domain such as "omantel.example"`);
  }
  if (props.svidIssuer !== undefined) problems.push(...issuerRefProblems('svidIssuer', props.svidIssuer));
  return problems;
}

/** Problems with a cert-manager issuer reference, prefixed with `field`. */
export function issuerRefProblems(field: string, issuer: IssuerRef): string[] {
  const problems: string[] = [];
  if (issuer.kind !== 'Issuer' && issuer.kind !== 'ClusterIssuer') problems.push(`${field}.kind: ${JSON.stringify(issuer.kind)} must be "Issuer" or "ClusterIssuer"`);
  if (typeof issuer.name !== 'string' || !DNS1123_SUBDOMAIN.test(issuer.name)) problems.push(`${field}.name: ${JSON.stringify(issuer.name)} must be a DNS-1123 subdomain`);
  return problems;
}
