import { ApiObject, App, Chart } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import { CnpgHotStandbyPair } from '../cnpg/cnpg-hot-standby-pair';
import { RegionContext } from '../common/region-context';
import { OpenBaoRegion } from '../openbao/openbao-region';
import { PerfReplicationLink } from '../openbao/perf-replication-link';
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
  /** What each replication run costs the replica; undefined when nothing is known. */
  readonly runImpact?: string;
}

/** One database pair (or single Cluster) as rendered, for summaries and tooling. */
export interface DatabaseSummary {
  readonly namespace: string;
  readonly name: string;
  readonly primaryRegion: string;
  /** Region of the hot standby; undefined for the single-Cluster shape. */
  readonly replicaRegion?: string;
  readonly topology: string;
  readonly promoted: boolean;
  /** The one Cluster that archives WAL and takes base backups, and where; undefined when nothing is archived. */
  readonly walArchive?: { readonly cluster: string; readonly region: string; readonly destination: string; readonly backupSchedule: string };
  /** The restore Cluster rendered beside the pair, if any. */
  readonly restoreCluster?: string;
}

export interface SovereignOutput {
  readonly sovereign: string;
  /** The OpenBao write primary this output was rendered for. */
  readonly primaryRegion: string;
  readonly replication: readonly ReplicationSummary[];
  readonly databases: readonly DatabaseSummary[];
  readonly regions: readonly RegionOutput[];
  readonly warnings: readonly string[];
}

/**
 * Renders a Sovereign to JSON, one entry per region cluster, and writes nothing. `source` is either a resolved config
 * (the library builds the constructs) or any construct of an app the user composed: a `Sovereign` whose region
 * charts hold constructs of their own, or charts given region contexts with `RegionContext.provide`. Every chart of
 * that app is rendered into the region of its context. Late validations run, and duplicate objects are errors.
 */
export function synthesizeSovereign(source: SovereignConfig | IConstruct): SovereignOutput {
  const root = Construct.isConstruct(source) ? source.node.root : buildApp(source);
  const { all, ownObjects, independent } = walkTree(root);
  const errors = all.flatMap((construct) => construct.node.validate().map((message) => `${construct.node.path}: ${message}`));
  const sovereigns = all.filter((c): c is Sovereign => c instanceof Sovereign);
  const charts = [...ownObjects.keys()];

  const regionOf = new Map<Chart, RegionContext>();
  for (const chart of charts) {
    const context = RegionContext.tryOf(chart);
    if (context === undefined) {
      errors.push(`${chart.node.path}: the chart has no region context; add it to a Sovereign's region chart or call RegionContext.provide(chart, ...) on it`);
    } else {
      regionOf.set(chart, context);
    }
  }
  const contexts = [...regionOf.values()];
  const names = unique(contexts.map((c) => c.sovereign));
  const primaries = unique(contexts.map((c) => c.primaryRegion));
  if (contexts.length === 0) errors.push('nothing to synthesize: the app has no chart with a region context');
  if (names.length > 1) errors.push(`the charts belong to different Sovereigns (${names.join(', ')}); synthesize each Sovereign on its own`);
  if (primaries.length > 1) errors.push(`the region contexts disagree on the OpenBao primary (${primaries.join(', ')}); every region must name the same primaryRegion`);

  // Regions in config order when a Sovereign declares them, otherwise in the order their charts appear.
  const regionNames = unique([...sovereigns.flatMap((s) => s.config.regions.map((r) => r.name)), ...contexts.map((c) => c.region)]);
  errors.push(...duplicateObjects(ownObjects, regionOf));
  // Reported before anything renders, as cdk8s validates before it renders: an invalid object may not render at all.
  if (errors.length > 0) {
    throw new Error(`Sovereign ${names.join(', ') || '<unnamed>'} failed validation:\n${errors.map((e) => `  - ${e}`).join('\n')}`);
  }
  const regions = regionNames.map((region) => ({
    region,
    objects: charts.filter((chart) => regionOf.get(chart)?.region === region).flatMap((chart) => chartObjects(chart, ownObjects.get(chart)!, independent)),
  }));

  const regionName = (construct: IConstruct) => RegionContext.of(construct).region;
  return {
    sovereign: names[0],
    primaryRegion: primaries[0],
    replication: all
      .filter((c): c is PerfReplicationLink => c instanceof PerfReplicationLink)
      .map((link) => ({
        source: regionName(link.source),
        target: regionName(link.target),
        mechanism: link.mechanism.kind,
        lagBound: link.lagBound,
        ...(link.mechanism.runImpact !== undefined ? { runImpact: link.mechanism.runImpact } : {}),
      })),
    databases: all
      .filter((c): c is CnpgHotStandbyPair => c instanceof CnpgHotStandbyPair)
      .map((pair) => ({
        namespace: pair.namespace,
        name: pair.name,
        primaryRegion: pair.primaryRegionName,
        ...(pair.replicaRegionName !== undefined ? { replicaRegion: pair.replicaRegionName } : {}),
        topology: pair.topology,
        promoted: pair.promoted,
        ...(pair.walArchiverClusterName !== undefined
          ? { walArchive: { cluster: pair.walArchiverClusterName, region: pair.walArchiveRegionName!, destination: `${pair.walArchiveDestination!}${pair.walArchiverClusterName}/`, backupSchedule: pair.backupSchedule } }
          : {}),
        ...(pair.recoveryCluster !== undefined ? { restoreCluster: pair.recoveryCluster.name } : {}),
      })),
    regions,
    warnings: [...sovereigns.flatMap((s) => s.config.warnings), ...all.filter((c): c is OpenBaoRegion => c instanceof OpenBaoRegion).flatMap((r) => r.warnings)],
  };
}

/**
 * The chart's objects as `chart.toJson()` renders them. cdk8s v2.70.106 `App._synthChart` (lib/app.js) resolves
 * dependencies and validates the whole app again for every chart, then orders the chart's objects by
 * `DependencyGraph.topology()` (lib/dependency.js), which, with no dependency edges, is the chart's construct tree in
 * pre-order. When no construct has a dependency and no chart is nested in another (`independent`), that order is
 * taken directly and each object rendered once: at 10,000 pairs this saves several seconds. Otherwise cdk8s renders.
 */
function chartObjects(chart: Chart, own: readonly ApiObject[], independent: boolean): KubeObject[] {
  return independent ? own.map((object) => object.toJson() as KubeObject) : (chart.toJson() as KubeObject[]);
}

/**
 * The app in one pre-order pass, the order of constructs' `findAll()`: every construct; each chart (in that order) with
 * its own API objects, those whose nearest chart it is, in the order `chart.node.findAll()` lists them (a subtree's
 * pre-order is the whole tree's pre-order restricted to it); and whether no construct has a dependency and no chart is
 * nested in another (`independent`, see `chartObjects`).
 */
function walkTree(root: IConstruct): { all: IConstruct[]; ownObjects: Map<Chart, ApiObject[]>; independent: boolean } {
  const all: IConstruct[] = [];
  const ownObjects = new Map<Chart, ApiObject[]>();
  let independent = true;
  const visit = (construct: IConstruct, chart: ApiObject[] | undefined) => {
    all.push(construct);
    if (construct.node.dependencies.length > 0) independent = false;
    let objects = chart;
    if (Chart.isChart(construct)) {
      if (chart !== undefined) independent = false;
      objects = [];
      ownObjects.set(construct, objects);
    } else if (construct instanceof ApiObject) {
      // cdk8s gives every ApiObject a chart (its constructor calls Chart.of), so `objects` is defined here.
      objects!.push(construct);
    }
    for (const child of construct.node.children) visit(child, objects);
  };
  visit(root, undefined);
  return { all, ownObjects, independent };
}

function buildApp(config: SovereignConfig): App {
  const app = new App({ outdir: 'unused', recordConstructMetadata: false });
  new Sovereign(app, config.name, { config });
  return app;
}

// Two objects of one kind, namespace and name in one cluster: the second would silently replace the first on apply.
function duplicateObjects(ownObjects: ReadonlyMap<Chart, readonly ApiObject[]>, regionOf: ReadonlyMap<Chart, RegionContext>): string[] {
  // Region, API group, kind and namespace, one map level each: no key string built per object.
  type Level = Map<string | undefined, Level | ApiObject>;
  const seen: Level = new Map();
  const level = (parent: Level, key: string | undefined): Level => {
    let next = parent.get(key) as Level | undefined;
    if (next === undefined) parent.set(key, (next = new Map()));
    return next;
  };
  const errors: string[] = [];
  for (const [chart, objects] of ownObjects) {
    const region = regionOf.get(chart)?.region;
    const inRegion = level(seen, region);
    for (const object of objects) {
      const namespace = object.metadata.namespace ?? '';
      const names = level(level(level(inRegion, object.apiGroup), object.kind), namespace);
      const first = names.get(object.name) as ApiObject | undefined;
      if (first === undefined) {
        names.set(object.name, object);
      } else {
        const where = namespace === '' ? object.name : `${namespace}/${object.name}`;
        errors.push(`duplicate object ${object.kind} ${where} in region ${region}: ${first.node.path} and ${object.node.path} render the same object; give one of them another name or namespace`);
      }
    }
  }
  return errors;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
