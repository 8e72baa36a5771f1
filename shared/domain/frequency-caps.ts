import type { Channel } from './model';

/*
 * Frequency caps (DOMAIN.md, "Quiet times and frequency caps"): at most n commercial messages sent
 * to one contact point on a channel in a rolling day, week and month, per profile. Pure: the sends a
 * contact point has had, and whether one more fits.
 */

export const CAP_WINDOWS = { day: 1, week: 7, month: 30 } as const;
export type CapWindow = keyof typeof CAP_WINDOWS;
export type FrequencyCap = Partial<Record<CapWindow, number>>;
export type FrequencyCaps = Partial<Record<Channel, FrequencyCap>>;

/** The commercial messages counted as sent to one contact point, per profile id (epoch ms, oldest first). */
export type SendLog = Readonly<Record<string, readonly number[]>>;

/** The largest cap a profile may set per window (keeps a contact point's send log small). */
export const MAX_CAP = 200;

const DAY_MS = 86_400_000;
const windowMs = (window: CapWindow) => CAP_WINDOWS[window] * DAY_MS;
const WINDOWS = Object.keys(CAP_WINDOWS) as CapWindow[];

/**
 * Sends in each window ending at `at` (epoch ms): a send at `t` counts while `at - t` is under the
 * window. A send stamped after `at` counts too: another instance decided it after this decision
 * began (its clock a little ahead, or its request a little later), and it is sent all the same.
 */
export function capCounts(sends: readonly number[], at: number): Record<CapWindow, number> {
  const counts = { day: 0, week: 0, month: 0 };
  for (const t of sends) {
    for (const window of WINDOWS) if (at - t < windowMs(window)) counts[window]++;
  }
  return counts;
}

/**
 * Whether one more commercial message fits under `cap` at `at`; if not, when a slot frees (the
 * moment enough of the counted sends have left every window that is full).
 */
export function capCheck(
  cap: FrequencyCap | undefined,
  sends: readonly number[],
  at: number,
): { capped: false } | { capped: true; retryAt: number } {
  if (!cap) return { capped: false };
  let retryAt = -Infinity;
  for (const window of WINDOWS) {
    const limit = cap[window];
    if (limit === undefined) continue;
    const inWindow = sends.filter((t) => at - t < windowMs(window)).sort((a, b) => a - b);
    if (inWindow.length < limit) continue;
    // Once the oldest (count - limit + 1) sends have left the window, one more fits.
    retryAt = Math.max(retryAt, inWindow[inWindow.length - limit]! + windowMs(window));
  }
  return retryAt === -Infinity ? { capped: false } : { capped: true, retryAt };
}

/**
 * The sends to keep after one more at `at`: the month's (the longest window), and no more than the
 * largest cap needs, so the log stays small whatever the volume.
 */
export function withSend(sends: readonly number[], at: number, keep: number = MAX_CAP): number[] {
  const recent = [...sends, at].filter((t) => at - t < windowMs('month')).sort((a, b) => a - b);
  return recent.slice(-keep);
}

/** How many sends a profile's cap on a channel needs kept: its largest limit. */
export function sendsKept(cap: FrequencyCap): number {
  return Math.max(0, ...Object.values(cap).filter((n): n is number => n !== undefined));
}
