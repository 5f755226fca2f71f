import { App } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { RegionChart } from './region-chart';
import { Sovereign } from './sovereign';
import type { SovereignConfig } from './sovereign-config';

/** A rendered Kubernetes object, as plain JSON. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

export interface RegionOutput {
  readonly region: string;
  readonly objects: readonly KubeObject[];
}

/** One replication link as rendered, for summaries and tooling. */
export interface ReplicationSummary {
  readonly source: string;
  readonly target: string;
  readonly mechanism: string;
  readonly lagBound: string;
}

export interface SovereignOutput {
  readonly sovereign: string;
  /** The OpenBao write primary this output was rendered for. */
  readonly primaryRegion: string;
  readonly replication: readonly ReplicationSummary[];
  readonly regions: readonly RegionOutput[];
  readonly warnings: readonly string[];
}

/** Builds the construct tree for a config and renders every region chart to JSON. Writes nothing. */
export function synthesizeSovereign(config: SovereignConfig): SovereignOutput {
  const app = new App({ outdir: 'unused', recordConstructMetadata: false });
  const sovereign = new Sovereign(app, config.name, { config });
  const errors = collectValidationErrors(app);
  if (errors.length > 0) {
    throw new Error(`Sovereign ${config.name} failed validation:\n${errors.map((e) => `  - ${e}`).join('\n')}`);
  }
  return {
    sovereign: config.name,
    primaryRegion: config.primaryRegion,
    replication: sovereign.replicationLinks.map((link) => ({
      source: RegionChart.of(link.source).region.name,
      target: RegionChart.of(link.target).region.name,
      mechanism: link.mechanism.kind,
      lagBound: link.lagBound,
    })),
    regions: sovereign.regionCharts.map((chart) => ({ region: chart.region.name, objects: chart.toJson() as KubeObject[] })),
    warnings: sovereign.warnings,
  };
}

// Runs the constructs' late validations (node.addValidation), as `App.synth()` would.
function collectValidationErrors(root: IConstruct): string[] {
  return root.node.findAll().flatMap((construct) => construct.node.validate().map((message) => `${construct.node.path}: ${message}`));
}
