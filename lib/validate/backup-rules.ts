import { describeObject, type Manifest, type Violation } from './violation';

// The references between CNPG Clusters, Barman Cloud ObjectStores and (Scheduled)Backups of one cluster. A schema sees
// each object alone: a Cluster naming an ObjectStore that is not there, or an ObjectStore without credentials, is valid
// to it, and the first WAL the instance tries to archive fails.

type Obj = { readonly [key: string]: unknown };

// plugin-barman-cloud internal/cnpgi/metadata/constants.go PluginName (v0.14.0).
const BARMAN_PLUGIN = 'barman-cloud.cloudnative-pg.io';

interface ClusterFacts {
  readonly manifest: Manifest;
  readonly file?: string;
  readonly name: string;
  readonly namespace: string;
  /** `spec.plugins` entries of the Barman Cloud plugin that are enabled. */
  readonly plugins: readonly { readonly index: number; readonly archiver: boolean; readonly store?: string; readonly serverName: string }[];
  /** `spec.externalClusters[].plugin` entries of the Barman Cloud plugin. */
  readonly sources: readonly { readonly index: number; readonly store?: string }[];
}

/** Every broken backup reference among the objects of one cluster. */
export function checkBackups(entries: readonly { readonly object: unknown; readonly file?: string }[]): Violation[] {
  const manifests = entries.filter((e): e is { object: Manifest; file?: string } => typeof e.object === 'object' && e.object !== null && !Array.isArray(e.object));
  const violations: Violation[] = [];
  const fail = (manifest: Manifest, file: string | undefined, path: string, message: string) =>
    violations.push({ ...(file !== undefined ? { file } : {}), object: describeObject(manifest), path, rule: 'backup', message });

  const stores = new Map<string, Manifest>();
  for (const { object, file } of manifests) {
    if (object.kind !== 'ObjectStore' || typeof object.apiVersion !== 'string' || !object.apiVersion.startsWith('barmancloud.cnpg.io/')) continue;
    stores.set(`${String(object.metadata?.namespace ?? '')}/${String(object.metadata?.name)}`, object);
    checkCredentials(object, file, fail);
  }

  const clusters = manifests.flatMap(({ object, file }) => clusterFacts(object, file));
  const archives = new Map<string, string>();
  for (const cluster of clusters) {
    const absent = (store: string | undefined) => store !== undefined && missing(cluster, store);
    const archivers = cluster.plugins.filter((p) => p.archiver);
    if (archivers.length > 1) {
      fail(cluster.manifest, cluster.file, 'spec.plugins', 'more than one plugin is marked isWALArchiver; CloudNativePG allows one WAL archiver per Cluster');
    }
    for (const plugin of cluster.plugins) {
      const path = `spec.plugins[${plugin.index}].parameters.barmanObjectName`;
      if (plugin.store === undefined) {
        if (plugin.archiver) fail(cluster.manifest, cluster.file, path, 'the WAL archiver names no ObjectStore; every WAL segment would fail to archive');
      } else if (absent(plugin.store)) {
        fail(cluster.manifest, cluster.file, path, `names ObjectStore ${cluster.namespace}/${plugin.store}, which is not rendered for this cluster; WAL archiving and backups would fail`);
      } else if (plugin.archiver) {
        const destination = (((stores.get(`${cluster.namespace}/${plugin.store}`) as Obj).spec as Obj | undefined)?.configuration as Obj | undefined)?.destinationPath;
        const key = `${String(destination)}\u0000${plugin.serverName}`;
        const other = archives.get(key);
        if (other !== undefined) {
          fail(cluster.manifest, cluster.file, `spec.plugins[${plugin.index}].parameters`, `archives to ${String(destination)}${plugin.serverName}/, where ${other} archives too; give each Cluster its own serverName`);
        } else {
          archives.set(key, `Cluster ${cluster.namespace}/${cluster.name}`);
        }
      }
    }
    for (const source of cluster.sources) {
      if (absent(source.store)) {
        fail(cluster.manifest, cluster.file, `spec.externalClusters[${source.index}].plugin.parameters.barmanObjectName`, `names ObjectStore ${cluster.namespace}/${source.store}, which is not rendered for this cluster; WAL restore from that archive would fail`);
      }
    }
  }

  for (const { object, file } of manifests) {
    if ((object.kind !== 'ScheduledBackup' && object.kind !== 'Backup') || typeof object.apiVersion !== 'string' || !object.apiVersion.startsWith('postgresql.cnpg.io/')) continue;
    const spec = ((object as Obj).spec as Obj | undefined) ?? {};
    if (spec.method !== 'plugin' || ((spec.pluginConfiguration as Obj | undefined)?.name ?? '') !== BARMAN_PLUGIN) continue;
    const namespace = String(object.metadata?.namespace ?? '');
    const clusterName = String((spec.cluster as Obj | undefined)?.name);
    const cluster = clusters.find((c) => c.namespace === namespace && c.name === clusterName);
    if (cluster === undefined) {
      fail(object, file, 'spec.cluster.name', `names Cluster ${namespace}/${clusterName}, which is not rendered for this cluster; the backup could never run`);
    } else if (!cluster.plugins.some((p) => p.archiver && p.store !== undefined && !missing(cluster, p.store))) {
      fail(object, file, 'spec.cluster.name', `Cluster ${namespace}/${clusterName} archives no WAL through ${BARMAN_PLUGIN} (no isWALArchiver plugin with an existing barmanObjectName); a base backup without its WAL restores nothing`);
    }
  }
  return violations;

  function missing(cluster: ClusterFacts, store: string): boolean {
    return !stores.has(`${cluster.namespace}/${store}`);
  }
}

// barman-cloud needs keys (or a cloud identity) to reach the bucket (cloudnative-pg/barman-cloud pkg/credentials/env.go:
// "ObjectStoreConfiguration invalid: no credentials defined").
function checkCredentials(store: Manifest, file: string | undefined, fail: (m: Manifest, f: string | undefined, path: string, message: string) => void): void {
  const configuration = (((store as Obj).spec as Obj | undefined)?.configuration as Obj | undefined) ?? {};
  const s3 = configuration.s3Credentials as Obj | undefined;
  if (configuration.azureCredentials !== undefined || configuration.googleCredentials !== undefined) return;
  if (s3 === undefined) {
    fail(store, file, 'spec.configuration.s3Credentials', 'names no credentials; reference the Secret (name and keys) holding the access key id and secret access key');
    return;
  }
  if (s3.inheritFromIAMRole === true) return;
  for (const field of ['accessKeyId', 'secretAccessKey']) {
    const ref = s3[field] as Obj | undefined;
    if (typeof ref?.name !== 'string' || ref.name === '' || typeof ref.key !== 'string' || ref.key === '') {
      fail(store, file, `spec.configuration.s3Credentials.${field}`, `names no Secret and key for ${field}; reference the Secret holding it (never the value)`);
    }
  }
}

function clusterFacts(manifest: Manifest, file: string | undefined): ClusterFacts[] {
  if (manifest.kind !== 'Cluster' || typeof manifest.apiVersion !== 'string' || !manifest.apiVersion.startsWith('postgresql.cnpg.io/')) return [];
  const spec = ((manifest as Obj).spec as Obj | undefined) ?? {};
  const name = String(manifest.metadata?.name);
  const plugins = (Array.isArray(spec.plugins) ? (spec.plugins as Obj[]) : [])
    .map((plugin, index) => ({ plugin, index }))
    .filter(({ plugin }) => plugin?.name === BARMAN_PLUGIN && plugin.enabled !== false)
    .map(({ plugin, index }) => {
      const parameters = (plugin.parameters as Obj | undefined) ?? {};
      return {
        index,
        archiver: plugin.isWALArchiver === true,
        ...(typeof parameters.barmanObjectName === 'string' ? { store: parameters.barmanObjectName } : {}),
        // The plugin defaults serverName to the Cluster's name (internal/cnpgi/operator/config/config.go, v0.14.0).
        serverName: typeof parameters.serverName === 'string' ? parameters.serverName : name,
      };
    });
  const sources = (Array.isArray(spec.externalClusters) ? (spec.externalClusters as Obj[]) : []).flatMap((external, index) => {
    const plugin = external?.plugin as Obj | undefined;
    if (plugin?.name !== BARMAN_PLUGIN || plugin.enabled === false) return [];
    const store = (plugin.parameters as Obj | undefined)?.barmanObjectName;
    return [{ index, ...(typeof store === 'string' ? { store } : {}) }];
  });
  return [{ manifest, ...(file !== undefined ? { file } : {}), name, namespace: String(manifest.metadata?.namespace ?? ''), plugins, sources }];
}
