import { GO_DURATION } from './kube-values';

const UNIT_NANOS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * A Go duration ("1h", "20m", "1h30m", "1.5h") in nanoseconds, as `time.ParseDuration` reads it (the parser behind
 * cert-manager's and approver-policy's `metav1.Duration` fields); undefined when it is not one.
 */
export function goDurationNanos(value: string): number | undefined {
  if (!GO_DURATION.test(value)) return undefined;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(amount) * UNIT_NANOS[unit];
  return total;
}
