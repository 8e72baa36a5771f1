import { ValidationError } from '../errors';
import { ActivityCounters, addTotals, emptyTotals, type Totals } from './activity-counters';
import type { StatsStore } from './stats-store';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface StatsQuery {
  from: string;
  to: string;
  granularity: 'hour' | 'day';
  profileId?: string | undefined;
}

export interface StatsBucket {
  start: string;
  decisions: { sent: number; blocked: number; byReason: Record<string, number> };
  changes: { optedIn: number; optedOut: number; notSet: number; bySource: Record<string, number> };
}

/** The counters of this instance, stored at most once a minute, and the activity read back. */
export class StatsService {
  readonly counters = new ActivityCounters();
  private lastFlush = 0;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: StatsStore,
    private readonly instanceId: string,
    private readonly clock: () => number,
    private readonly intervalMs: number = MINUTE,
  ) {}

  /** Stores what this instance counted, unless it did less than a minute ago (or `force`). */
  async flush(force = false): Promise<void> {
    const now = this.clock();
    if (!force && now - this.lastFlush < this.intervalMs) return;
    if (this.flushing) return this.flushing;
    const changed = this.counters.takeChanged(now);
    if (!changed) return;
    this.lastFlush = now;
    this.flushing = this.store.save(this.instanceId, changed).then(
      () => {
        this.flushing = undefined;
      },
      (error) => {
        this.flushing = undefined;
        this.counters.markDirty(); // stored whole next time
        throw error;
      },
    );
    return this.flushing;
  }

  async read(query: StatsQuery): Promise<{ buckets: StatsBucket[] }> {
    const from = Date.parse(query.from);
    const to = Date.parse(query.to);
    if (!(to > from) || to - from > 92 * DAY)
      throw new ValidationError('The range is not valid.', [
        { path: 'to', message: 'after from, and at most 92 days after it' },
      ]);
    const size = query.granularity === 'day' ? DAY : HOUR;
    const start = Math.floor(from / size) * size;
    // This instance's newest counts are read from memory (a read writes nothing).
    const hours = await this.store.read(
      new Date(start).toISOString(),
      new Date(to).toISOString(),
      this.instanceId,
      this.counters.snapshot(),
    );
    const buckets = new Map<number, Totals>();
    for (let t = start; t < to; t += size) buckets.set(t, emptyTotals());
    for (const [hour, profiles] of hours) {
      const bucket = buckets.get(Math.floor(Date.parse(hour) / size) * size);
      if (!bucket) continue;
      for (const [profileId, totals] of profiles)
        if (query.profileId === undefined || profileId === query.profileId) addTotals(bucket, totals);
    }
    return {
      buckets: [...buckets].map(([t, totals]) => ({
        start: new Date(t).toISOString(),
        decisions: { sent: totals.sent, blocked: totals.blocked, byReason: totals.byReason },
        changes: {
          optedIn: totals.optedIn,
          optedOut: totals.optedOut,
          notSet: totals.notSet,
          bySource: totals.bySource,
        },
      })),
    };
  }
}
