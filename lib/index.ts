// Public API: curated exports only; internal helpers stay private to their folders.
export { SovereignConfigError, formatIssue } from './sovereign/config-error';
export type { ConfigIssue } from './sovereign/config-error';
export type {
  SovereignConfigInput,
  SovereignConfigData,
  RegionConfig,
  DatabaseConfig,
  PushSecretConfig,
  OpenBaoConfig,
  IdentityConfig,
} from './sovereign/config-schema';
export { sovereignConfigSchema } from './sovereign/config-schema';
export { configJsonSchema, CONFIG_SCHEMA_FILE } from './sovereign/config-json-schema';
export { HOT_STANDBY_ENV, parseToggle } from './sovereign/hot-standby';
export type { HotStandbyResolution } from './sovereign/hot-standby';
export { resolveSovereignConfig, loadSovereignConfig } from './sovereign/sovereign-config';
export type { SovereignConfig, SovereignRegion, ResolveOptions } from './sovereign/sovereign-config';
export { Sovereign, OPENBAO_NAMESPACE, ESO_NAMESPACE } from './sovereign/sovereign';
export type { SovereignProps } from './sovereign/sovereign';
export { RegionChart, RegionRole } from './sovereign/region-chart';
export type { RegionChartProps } from './sovereign/region-chart';
export { synthesizeSovereign } from './sovereign/synthesize';
export type { KubeObject, RegionOutput, SovereignOutput } from './sovereign/synthesize';
export { synthSovereignToFolder } from './sovereign/synth-to-folder';
export { renderRegionFiles } from './output/region-files';
export { writeFolderAtomically } from './output/atomic-write';
export { ManifestValidator } from './validate/manifest-validator';
export { SchemaRegistry } from './validate/schema-registry';
export { findCrdDirectory } from './validate/crd-directory';
export { formatViolation } from './validate/violation';
export type { Violation } from './validate/violation';
