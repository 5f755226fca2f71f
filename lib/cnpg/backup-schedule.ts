import { dailyGapSeconds, parseCron, walkedGapSeconds } from '../common/cron-gap';

/**
 * Daily at midnight (UTC in CNPG's operator image), the example of `docs/src/backup.md` at cloudnative-pg v1.30.0.
 * CNPG's schedule has SIX fields, seconds first: it is parsed with robfig/cron v1 `cron.Parse`
 * (`internal/controller/scheduledbackup_controller.go`, `internal/webhook/v1/scheduledbackup_webhook.go`, go.mod
 * `github.com/robfig/cron v1.2.0`), whose parser reads `seconds minutes hours day-of-month month [day-of-week]`
 * (robfig/cron `parser.go` defaultParser `Second | Minute | Hour | Dom | Month | DowOptional | Descriptor`, tag v1.2.0).
 */
export const DEFAULT_BACKUP_SCHEDULE = '0 0 0 * * *';

/**
 * Why a ScheduledBackup schedule is unusable, or undefined. A five-field (Kubernetes CronJob) expression is refused:
 * robfig/cron v1 would take its first field as seconds, so "0 2 * * *" would back up at minute 2 of EVERY hour.
 * The seconds field must be one number: a base backup every second is never meant.
 */
export function backupScheduleProblem(schedule: string): string | undefined {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6) {
    return `"${schedule}" must be a six-field cron expression, seconds first, such as "${DEFAULT_BACKUP_SCHEDULE}" (daily at 00:00:00); CloudNativePG reads a five-field expression with its first field as seconds`;
  }
  if (!/^[0-9]{1,2}$/.test(fields[0]) || Number(fields[0]) > 59) {
    return `"${schedule}": the first (seconds) field must be a single number 0-59, e.g. "${DEFAULT_BACKUP_SCHEDULE}"`;
  }
  if (dailyBackupGapSeconds(schedule) !== undefined) return undefined;
  try {
    parseCron(schedule);
  } catch (error) {
    return `"${schedule}" is not a valid cron expression: ${(error as Error).message}`;
  }
  return undefined;
}

// A daily schedule is read without cron-parser: its seconds field shifts every run alike, so the other five decide.
function dailyBackupGapSeconds(schedule: string): number | undefined {
  return dailyGapSeconds(schedule.trim().split(/\s+/).slice(1).join(' '));
}

const intervals = new Map<string, number>();

/**
 * The longest gap between two scheduled base backups over a year from 2026-01-05 (covers weekly and monthly
 * schedules: four weeks would have missed a monthly one's 31-day gaps), in seconds. At most
 * 5000 runs are looked at: a schedule that frequent repeats within them. Remembered per schedule: every pair of a
 * Sovereign usually shares one.
 */
export function backupIntervalSeconds(schedule: string): number {
  let interval = intervals.get(schedule);
  if (interval === undefined) {
    const problem = backupScheduleProblem(schedule);
    if (problem !== undefined) throw new Error(`backup schedule ${problem}`);
    interval = dailyBackupGapSeconds(schedule) ?? walkedGapSeconds(schedule, { horizon: '2027-01-05T00:00:00Z', maxRuns: 5000 });
    intervals.set(schedule, interval);
  }
  return interval;
}
