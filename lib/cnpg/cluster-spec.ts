// Internal: the parts of a CNPG Cluster spec every Cluster this library renders shares (pair members and restores).
import {
  type ClusterSpec,
  ClusterSpecPrimaryUpdateMethod,
  ClusterSpecResourcesLimits,
  ClusterSpecResourcesRequests,
} from '../../imports/clusters-postgresql.cnpg.io';
import type { ContainerResources } from '../common/kube-values';
import type { RegionContext } from '../common/region-context';

/** The Barman Cloud CNPG-I plugin's name (plugin-barman-cloud `internal/cnpgi/metadata/constants.go` PluginName, v0.14.0). */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';
// WAL settings for streaming to a standby in another region; CNPG refuses `hot_standby` itself.
const STREAMING_PARAMETERS = { max_wal_senders: '10', max_replication_slots: '10', wal_level: 'logical' } as const;
/** CNPG's `archive_timeout` unless the Cluster sets its own (`pkg/postgres/configuration.go` defaults, v1.30.0). */
const CNPG_ARCHIVE_TIMEOUT_SECONDS = 300;

export interface BaseClusterSpecOptions {
  readonly imageName: string;
  readonly instances?: number;
  readonly storageSize?: string;
  readonly storageClass?: string;
  readonly resources?: ContainerResources;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly enableSuperuserAccess?: boolean;
}

/** Image, sizing, WAL settings and pinning of a Cluster to its region. */
export function baseClusterSpec(region: RegionContext, options: BaseClusterSpecOptions): ClusterSpec {
  return {
    instances: options.instances ?? 1,
    imageName: options.imageName,
    primaryUpdateMethod: ClusterSpecPrimaryUpdateMethod.SWITCHOVER,
    enableSuperuserAccess: options.enableSuperuserAccess ?? false,
    storage: { size: options.storageSize ?? '10Gi', ...(options.storageClass !== undefined ? { storageClass: options.storageClass } : {}) },
    ...(options.resources !== undefined ? { resources: toResources(options.resources) } : {}),
    postgresql: { parameters: { ...STREAMING_PARAMETERS, ...options.parameters } },
    affinity: {
      podAntiAffinityType: 'required',
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: region.regionLabelKey, operator: 'In', values: [region.region] }] }],
        },
      },
    },
  };
}

/** A Barman Cloud plugin reference: the ObjectStore (same namespace) and the archive's server name in it. */
export function barmanPlugin(objectStoreName: string, serverName: string): { name: string; parameters: Record<string, string> } {
  // Parameters read by plugin-barman-cloud internal/cnpgi/operator/config/config.go (v0.14.0): barmanObjectName, and
  // serverName, which defaults to the *reading* Cluster's own name, so it is always spelled out.
  return { name: BARMAN_CLOUD_PLUGIN, parameters: { barmanObjectName: objectStoreName, serverName } };
}

/** `archive_timeout` in seconds from a Cluster's parameters (PostgreSQL units s, min, h, d; a bare number is seconds). */
export function archiveTimeoutSeconds(parameters: Readonly<Record<string, string>> | undefined): number {
  const value = parameters?.archive_timeout?.trim();
  const match = value === undefined ? null : /^([0-9]+)\s*(s|min|h|d)?$/.exec(value);
  if (match === null) return CNPG_ARCHIVE_TIMEOUT_SECONDS;
  const amount = Number(match[1]);
  const factor = { s: 1, min: 60, h: 3600, d: 86400 }[match[2] ?? 's'] ?? 1;
  return amount * factor > 0 ? amount * factor : CNPG_ARCHIVE_TIMEOUT_SECONDS;
}

function toResources(resources: ContainerResources): ClusterSpec['resources'] {
  const map = <T>(values: Record<string, string | undefined> | undefined, make: (v: string) => T) =>
    values === undefined ? undefined : Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => [k, make(v!)]));
  return {
    requests: map(resources.requests, (v) => ClusterSpecResourcesRequests.fromString(v)),
    limits: map(resources.limits, (v) => ClusterSpecResourcesLimits.fromString(v)),
  };
}
