import { Chart } from 'cdk8s';
import type { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { RegionContext, RegionRole } from '../common/region-context';
import type { SovereignConfig, SovereignRegion } from './sovereign-config';

export { RegionRole };

const REGION_CHART_BRAND = Symbol.for('sovereign-cdk8s.RegionChart');

export interface RegionChartProps {
  /** The resolved Sovereign this region belongs to. */
  readonly sovereign: SovereignConfig;
  /** The region (one Kubernetes cluster) this chart renders. */
  readonly region: SovereignRegion;
}

/**
 * Everything rendered into one region's cluster. It provides the region context of a Sovereign config to every
 * construct inside it; the namespaces they need are created once through `ensureNamespace`.
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
  /** The region facts the constructs inside this chart read. */
  public readonly context: RegionContext;

  constructor(scope: Construct, id: string, props: RegionChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    Object.defineProperty(this, REGION_CHART_BRAND, { value: true });
    this.sovereign = props.sovereign;
    this.region = props.region;
    this.role = props.region.name === props.sovereign.primaryRegion ? RegionRole.PRIMARY : RegionRole.REPLICA;
    this.context = RegionContext.provide(this, {
      sovereign: props.sovereign.name,
      region: props.region.name,
      clusterName: props.region.clusterName,
      role: this.role,
      primaryRegion: props.sovereign.primaryRegion,
      regionLabelKey: props.sovereign.regionLabelKey,
      trustDomain: props.sovereign.identity.trustDomain,
      svidIssuer: props.sovereign.identity.issuer,
      peerClusterNames: props.sovereign.regions.filter((r) => r.name !== props.region.name).map((r) => r.clusterName),
    });
  }

  /** Labels every object of this Sovereign and region carries. */
  public get commonLabels(): Record<string, string> {
    return this.context.commonLabels;
  }

  /** Creates the Namespace (Pod Security `restricted`) the first time a construct asks for it; see `RegionContext.ensureNamespace`. */
  public ensureNamespace(name: string, options: { readonly clusterMeshGlobal?: boolean } = {}): k8s.KubeNamespace {
    return this.context.ensureNamespace(this, name, options)!;
  }
}
