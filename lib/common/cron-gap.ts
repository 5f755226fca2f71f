// The longest gap between the runs of a cron schedule, which bounds replication lag and backup age. The common
// daily-repeating schedules are answered directly, without cron-parser and the luxon it loads (about 0.1 s of every
// synth, and about a millisecond per schedule walked); anything else is walked by cron-parser, loaded on demand.

/**
 * Day of month, month and day of week all `*`, minute and hour of numbers, ranges, steps and lists (five fields,
 * minute first). Such a schedule repeats every day, so the longest gap is the longest one between its runs in a day,
 * the last and the next day's first included. Anything else returns undefined; a test checks this agrees with
 * cron-parser on every form it reads.
 */
export function dailyGapSeconds(schedule: string): number | undefined {
  const [minute, hour, dayOfMonth, month, dayOfWeek, ...rest] = schedule.trim().split(/\s+/);
  if (rest.length > 0 || dayOfMonth !== '*' || month !== '*' || dayOfWeek !== '*') return undefined;
  const minutes = cronField(minute, 0, 59);
  const hours = cronField(hour, 0, 23);
  if (minutes === undefined || hours === undefined) return undefined;
  const runs = hours.flatMap((h) => minutes.map((m) => h * 60 + m)).sort((a, b) => a - b);
  let longest = runs[0] + 1440 - runs[runs.length - 1];
  for (let i = 1; i < runs.length; i++) longest = Math.max(longest, runs[i] - runs[i - 1]);
  return longest * 60;
}

// One cron field of numbers: `*`, `n`, `a-b`, each optionally `/step`, comma-separated; undefined for anything else.
function cronField(field: string, min: number, max: number): number[] | undefined {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (match === null) return undefined;
    const start = match[1] === '*' ? min : Number(match[2]);
    const end = match[1] === '*' ? max : match[3] !== undefined ? Number(match[3]) : match[4] !== undefined ? max : start;
    const step = match[4] !== undefined ? Number(match[4]) : 1;
    if (start < min || end > max || start > end || step < 1) return undefined;
    for (let v = start; v <= end; v += step) {
      // cron-parser refuses a value listed twice; leave such a field to it, so both refuse it alike.
      if (values.has(v)) return undefined;
      values.add(v);
    }
  }
  return values.size === 0 ? undefined : [...values];
}

export interface WalkOptions {
  /** The runs looked at end here (UTC, ISO 8601); they start on Monday 2026-01-05. */
  readonly horizon: string;
  /** At most this many runs are looked at. @default - all up to the horizon */
  readonly maxRuns?: number;
}

/** cron-parser's evaluation of any schedule it reads (five fields, or six with seconds first); throws its error. */
export function walkedGapSeconds(schedule: string, options: WalkOptions): number {
  const runs = parseCron(schedule);
  const horizon = Date.parse(options.horizon);
  const maxRuns = options.maxRuns ?? Number.POSITIVE_INFINITY;
  let previous = runs.next().getTime();
  let longest = 0;
  for (let run = 0; previous < horizon && run < maxRuns; run++) {
    const next = runs.next().getTime();
    longest = Math.max(longest, next - previous);
    previous = next;
  }
  return longest / 1000;
}

/** Throws cron-parser's error when it cannot read `schedule`. */
export function parseCron(schedule: string) {
  const { CronExpressionParser } = require('cron-parser') as typeof import('cron-parser');
  return CronExpressionParser.parse(schedule, { currentDate: new Date('2026-01-05T00:00:00Z'), tz: 'UTC' });
}
