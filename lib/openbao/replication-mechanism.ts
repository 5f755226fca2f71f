import { dailyGapSeconds, walkedGapSeconds } from '../common/cron-gap';

export enum ReplicationMechanismKind {
  RAFT_SNAPSHOT = 'raftSnapshot',
  NATIVE_PERFORMANCE = 'nativePerformance',
}

export interface RaftSnapshotProps {
  /** Five-field cron schedule of the snapshot/restore run (UTC). @default '*\/5 * * * *' */
  readonly schedule?: string;
  /** Disk-backed space for one snapshot beside each replica server, in Mi or Gi. @default - the replica's Raft volume size */
  readonly scratchSize?: string;
}

/**
 * How a replica region receives the primary's data (§5). Open-source OpenBao has no performance or DR replication
 * (its `sys/replication/*` code was removed, openbao/openbao#193), so the default builds on Raft snapshots.
 */
export abstract class ReplicationMechanism {
  /**
   * A CronJob in the replica region saves a Raft snapshot from the primary (through `openbao-primary`) and
   * force-restores it into the local cluster. Works on OpenBao today; the lag bound (RPO) is the schedule interval.
   */
  public static raftSnapshot(props: RaftSnapshotProps = {}): RaftSnapshotMechanism {
    return new RaftSnapshotMechanism(props);
  }

  /**
   * Vault's performance-replication API (Vault Enterprise; OpenBao if it ever ships it): an idempotent Job activates
   * the replica as a performance secondary. Against a server without the API the Job fails and says so.
   */
  public static nativePerformance(): NativePerformanceMechanism {
    return new NativePerformanceMechanism();
  }

  public abstract readonly kind: ReplicationMechanismKind;
  /** Human-readable bound on how far a replica may lag behind the primary. */
  public abstract readonly lagBound: string;
  /** What each run costs the replica, for the docs and the synth summary; undefined when nothing is known. */
  public abstract readonly runImpact?: string;
}

export class RaftSnapshotMechanism extends ReplicationMechanism {
  public readonly kind = ReplicationMechanismKind.RAFT_SNAPSHOT;
  public readonly schedule: string;
  /** Undefined: the replica's Raft volume size. */
  public readonly scratchSize?: string;
  /** Longest gap between two scheduled runs, in seconds: the replication lag bound (RPO). */
  public readonly intervalSeconds: number;
  public readonly lagBound: string;
  // The restore replaces the replica's whole storage: its active node serves nothing while it runs, and every token
  // and lease it issued is gone afterwards (the primary's take their place) (vault/logical_system_raft.go, v2.6.2).
  public readonly runImpact = "each restore blocks the replica's active node while it runs and drops the tokens it issued (ESO logs in again); size the schedule with that in mind";

  constructor(props: RaftSnapshotProps) {
    super();
    this.schedule = props.schedule ?? '*/5 * * * *';
    this.scratchSize = props.scratchSize;
    if (this.scratchSize !== undefined && !/^[1-9][0-9]*(Mi|Gi)$/.test(this.scratchSize)) {
      throw new Error(`raftSnapshot scratchSize "${this.scratchSize}" must be a whole number of Mi or Gi, such as "1Gi"`);
    }
    this.intervalSeconds = longestGapSeconds(this.schedule);
    // A write right after a run's heartbeat reaches the replica only at the end of the next run.
    this.lagBound = `up to ${formatDuration(this.intervalSeconds)} plus two runs (the interval, "${this.schedule}", and twice the time a pull and restore take)`;
  }
}

export class NativePerformanceMechanism extends ReplicationMechanism {
  public readonly kind = ReplicationMechanismKind.NATIVE_PERFORMANCE;
  public readonly lagBound = 'continuous and asynchronous, as the server implements it (not measured by this library)';
  public readonly runImpact = undefined;
}

/** The longest gap between consecutive runs of a cron schedule over two weeks (covers weekly schedules). */
export function longestGapSeconds(schedule: string): number {
  if (schedule.trim().split(/\s+/).length !== 5) {
    throw new Error(`replication schedule "${schedule}" must be a five-field cron expression such as "*/5 * * * *"`);
  }
  const daily = dailyGapSeconds(schedule);
  if (daily !== undefined) return daily;
  try {
    return walkedGapSeconds(schedule, { horizon: '2026-01-19T00:00:00Z' });
  } catch (error) {
    throw new Error(`replication schedule "${schedule}" is not a valid cron expression: ${(error as Error).message}`);
  }
}

export function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
