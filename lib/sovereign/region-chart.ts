import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { CLUSTERMESH_GLOBAL_NAMESPACE } from '../mesh/cluster-mesh';
import { MANAGED_BY, POD_SECURITY_RESTRICTED, REGION_LABEL, SOVEREIGN_LABEL } from './labels';
import type { SovereignConfig, SovereignRegion } from './sovereign-config';

const REGION_CHART_BRAND = Symbol.for('sovereign-cdk8s.RegionChart');

/** Whether a region holds the OpenBao write primary or a read-only replica (§2, §6). */
export enum RegionRole {
  PRIMARY = 'primary',
  REPLICA = 'replica',
}

export interface RegionChartProps {
  /** The resolved Sovereign this region belongs to. */
  readonly sovereign: SovereignConfig;
  /** The region (one Kubernetes cluster) this chart renders. */
  readonly region: SovereignRegion;
}

/**
 * Everything rendered into one region's cluster. Constructs of every layer add themselves here; the
 * namespaces they need are created once through `ensureNamespace`.
 */
export class RegionChart extends Chart {
  /** Finds the RegionChart a construct lives in. */
  public static of(construct: Construct): RegionChart {
    const chart = Chart.of(construct);
    if (RegionChart.isRegionChart(chart)) {
      return chart;
    }
    throw new Error(`${construct.node.path} is not inside a RegionChart; add it to a Sovereign's region chart`);
  }

  /** Chart overrides `instanceof` to match every chart, so region charts carry their own brand. */
  public static isRegionChart(x: unknown): x is RegionChart {
    return typeof x === 'object' && x !== null && REGION_CHART_BRAND in x;
  }

  public readonly sovereign: SovereignConfig;
  public readonly region: SovereignRegion;
  /** Role of this region for OpenBao, from the Sovereign's `primaryRegion`. */
  public readonly role: RegionRole;
  private readonly namespaces = new Map<string, k8s.KubeNamespace>();

  constructor(scope: Construct, id: string, props: RegionChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    Object.defineProperty(this, REGION_CHART_BRAND, { value: true });
    this.sovereign = props.sovereign;
    this.region = props.region;
    this.role = props.region.name === props.sovereign.primaryRegion ? RegionRole.PRIMARY : RegionRole.REPLICA;
  }

  /** Labels every object of this Sovereign and region carries. */
  public get commonLabels(): Record<string, string> {
    return { ...MANAGED_BY, [SOVEREIGN_LABEL]: this.sovereign.name, [REGION_LABEL]: this.region.name };
  }

  /**
   * Creates the Namespace (Pod Security `restricted`) the first time a construct asks for it. A namespace whose
   * services or identities must be seen by other clusters is marked ClusterMesh-global, which Cilium requires
   * when it runs with `clustermesh-default-global-namespace=false`.
   */
  public ensureNamespace(name: string, options: { readonly clusterMeshGlobal?: boolean } = {}): k8s.KubeNamespace {
    let namespace = this.namespaces.get(name);
    if (namespace === undefined) {
      namespace = new k8s.KubeNamespace(this, `namespace-${name}`, {
        metadata: { name, labels: { ...this.commonLabels, ...POD_SECURITY_RESTRICTED } },
      });
      this.namespaces.set(name, namespace);
    }
    if (options.clusterMeshGlobal === true) {
      namespace.metadata.addAnnotation(CLUSTERMESH_GLOBAL_NAMESPACE, 'true');
    }
    return namespace;
  }
}
