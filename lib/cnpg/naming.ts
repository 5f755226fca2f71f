/** CNPG's limit on Cluster names (it derives longer object names from them). */
export const CNPG_CLUSTER_NAME_MAX = 50;
export const REPLICA_SUFFIX = '-replica';
/** A pair name must leave room for `-replica` within CNPG's limit. */
export const PAIR_NAME_MAX = CNPG_CLUSTER_NAME_MAX - REPLICA_SUFFIX.length;

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Why a pair name is unusable, or undefined when it is fine. Names are never truncated. */
export function pairNameProblem(name: string): string | undefined {
  if (!DNS1035_LABEL.test(name)) {
    return `"${name}" is not a DNS-1035 label: use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`;
  }
  if (name.length > PAIR_NAME_MAX) {
    return `"${name}" has ${name.length} characters; at most ${PAIR_NAME_MAX} are allowed so that "${name}${REPLICA_SUFFIX}" fits CloudNativePG's ${CNPG_CLUSTER_NAME_MAX}-character Cluster name limit; choose a shorter name`;
  }
  return undefined;
}

export const replicaClusterName = (name: string) => `${name}${REPLICA_SUFFIX}`;
export const meshServiceName = (clusterName: string) => `${clusterName}-mesh`;
/** CNPG's own Secret of a Cluster's streaming_replica client certificate (tls.crt, tls.key). */
export const replicationSecretName = (clusterName: string) => `${clusterName}-replication`;
/** CNPG's own Secret of a Cluster's CA (ca.crt, and ca.key which must never leave the region). */
export const caSecretName = (clusterName: string) => `${clusterName}-ca`;
/** The Barman Cloud ObjectStore that holds a Cluster's archive, in every region that writes or reads it. */
export const objectStoreName = (clusterName: string) => `${clusterName}-store`;
/** The ScheduledBackup of the Cluster that archives. */
export const scheduledBackupName = (clusterName: string) => `${clusterName}-backup`;
/**
 * Whether a pair's standby is its writer (and so its one WAL archiver): once a promotion is confirmed, and for a
 * distributed pair only once its promotion token is given too. The pair, the config's restore check and its
 * "not backed up" report all ask this one question.
 */
export function standbyTakesOver(pair: { readonly hasStandby: boolean; readonly promoted: boolean; readonly distributed: boolean; readonly promotionToken?: string }): boolean {
  return pair.hasStandby && pair.promoted && (!pair.distributed || pair.promotionToken !== undefined);
}

/** The default name of a pair's restore Cluster. */
export const restoreClusterName = (name: string) => `${name}-restore`;
