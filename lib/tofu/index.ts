/** @module sovereign-cdk8s/tofu */
// OpenTofu stacks; a separate entry point (`sovereign-cdk8s/tofu`) so cdk8s-only users never load cdktf.
import './peer-dependencies';
export { RegionClusterStack, KUBERNETES_PROVIDER, DR_PROMOTER } from './region-cluster-stack';
export type { RegionClusterStackProps } from './region-cluster-stack';
export { hotStandbyKnob, KNOB_CONFIG_MAP } from './hot-standby-knob';
export { buildTofuApp, synthTofuToFolder } from './synth-tofu';
