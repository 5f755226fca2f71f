import type { ServerConfig } from './server-config';

/** One declared link of a Sovereign's replication graph, by region name. */
export interface LinkDeclaration {
  readonly source: string;
  readonly target: string;
}

/**
 * Checks a whole replication graph against the agreed model (§2, §5): exactly one primary, every link starts at it,
 * none ends in it or loops to its own region, no replica is fed twice, and every replica is fed. Returns one message
 * per problem.
 */
export function replicationGraphProblems(regions: readonly string[], primaries: readonly string[], links: readonly LinkDeclaration[]): string[] {
  const problems: string[] = [];
  if (primaries.length !== 1) {
    problems.push(`a Sovereign has exactly one OpenBao primary; found ${primaries.length === 0 ? 'none' : primaries.join(', ')}`);
  }
  const primary = primaries[0];
  const fed = new Map<string, number>();
  links.forEach((link, index) => {
    const name = `link ${index} (${link.source} -> ${link.target})`;
    for (const end of [link.source, link.target]) {
      if (!regions.includes(end)) problems.push(`${name}: ${end} is not a region of this Sovereign`);
    }
    if (link.source === link.target) {
      problems.push(`${name}: links a region to itself`);
    } else if (link.target === primary) {
      problems.push(`${name}: replicates into the primary; the primary is only ever a source`);
    }
    if (link.source !== primary) {
      problems.push(`${name}: starts at ${link.source}, which is not the primary (${primary}); links are declared from the primary`);
    }
    fed.set(link.target, (fed.get(link.target) ?? 0) + 1);
  });
  for (const [target, count] of fed) {
    if (count > 1) problems.push(`${target} is the target of ${count} links; a replica is fed by exactly one link`);
  }
  for (const region of regions) {
    if (region !== primary && !fed.has(region)) problems.push(`${region} is a replica with no link from the primary; it would never receive data`);
  }
  return problems;
}

/**
 * Raft peers must only ever be found inside their own region: every `retry_join` discovers pods through the
 * Kubernetes API of the local cluster, in the region's own namespace, and none names a leader address.
 */
export function raftPeerProblems(region: string, namespace: string, config: ServerConfig): string[] {
  return config.storage.raft.retry_join.flatMap((join, index) => {
    const where = `${region}: retry_join[${index}]`;
    const problems: string[] = [];
    if ('leader_api_addr' in join) problems.push(`${where} names a leader address; peers are discovered only inside the region`);
    if (!join.auto_join.startsWith('provider=k8s ') || !join.auto_join.includes(` namespace=${namespace} `)) {
      problems.push(`${where} does not discover peers with provider=k8s in the region's own namespace ${namespace}`);
    }
    return problems;
  });
}
