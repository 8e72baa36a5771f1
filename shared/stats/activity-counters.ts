import { countChange, countDecision } from '../telemetry/consent-metrics';

/*
 * Activity counters (API.md, "Telemetry and activity"): decisions by reason and changes by source
 * and value, per profile and hour, added up in memory. Nothing here writes: an instance stores its
 * totals at most once a minute (StatsStore), never once per message.
 */

export interface Totals {
  sent: number;
  blocked: number;
  byReason: Record<string, number>;
  optedIn: number;
  optedOut: number;
  notSet: number;
  bySource: Record<string, number>;
}

export const emptyTotals = (): Totals => ({
  sent: 0,
  blocked: 0,
  byReason: {},
  optedIn: 0,
  optedOut: 0,
  notSet: 0,
  bySource: {},
});

/** Totals by hour (ISO start) and profile id ('' when the profile is unknown). */
export type HourTotals = Map<string, Map<string, Totals>>;

const HOUR = 3_600_000;
export const hourOf = (at: number) => new Date(Math.floor(at / HOUR) * HOUR).toISOString();

export function addTotals(into: Totals, from: Totals): Totals {
  into.sent += from.sent;
  into.blocked += from.blocked;
  into.optedIn += from.optedIn;
  into.optedOut += from.optedOut;
  into.notSet += from.notSet;
  for (const [k, n] of Object.entries(from.byReason)) into.byReason[k] = (into.byReason[k] ?? 0) + n;
  for (const [k, n] of Object.entries(from.bySource)) into.bySource[k] = (into.bySource[k] ?? 0) + n;
  return into;
}

export class ActivityCounters {
  /** Everything counted since this instance started, by hour: what it stores (whole, so a lost flush is redone). */
  private readonly hours: HourTotals = new Map();
  private dirty = false;

  private totals(at: number, profileId: string | undefined): Totals {
    const hour = hourOf(at);
    let profiles = this.hours.get(hour);
    if (!profiles) this.hours.set(hour, (profiles = new Map()));
    let totals = profiles.get(profileId ?? '');
    if (!totals) profiles.set(profileId ?? '', (totals = emptyTotals()));
    this.dirty = true;
    return totals;
  }

  decision(
    at: number,
    profileId: string | undefined,
    decision: 'sent' | 'blocked',
    reasons: readonly string[],
    channel = 'unknown',
    purposeType = 'unknown',
  ): void {
    countDecision({
      decision,
      reason: reasons[0] ?? 'none',
      channel,
      purposeType,
      profile: profileId ?? 'unknown',
    });
    const totals = this.totals(at, profileId);
    totals[decision]++;
    for (const reason of reasons) totals.byReason[reason] = (totals.byReason[reason] ?? 0) + 1;
  }

  change(
    at: number,
    profileId: string | undefined,
    source: string,
    value: 'optedIn' | 'optedOut' | 'notSet',
    channel = 'unknown',
  ): void {
    countChange({ source, value, channel });
    const totals = this.totals(at, profileId);
    totals[value]++;
    totals.bySource[source] = (totals.bySource[source] ?? 0) + 1;
  }

  /** What changed since the last call (every hour touched, whole), or nothing; hours older than a day are let go. */
  takeChanged(now: number): HourTotals | undefined {
    if (!this.dirty) return undefined;
    this.dirty = false;
    for (const hour of this.hours.keys()) if (Date.parse(hour) < now - 24 * HOUR) this.hours.delete(hour);
    return new Map([...this.hours].map(([hour, profiles]) => [hour, new Map(profiles)]));
  }

  /** Everything counted and still kept, by hour (a copy). */
  snapshot(): HourTotals {
    return new Map(
      [...this.hours].map(([hour, profiles]) => [
        hour,
        new Map([...profiles].map(([id, totals]) => [id, addTotals(emptyTotals(), totals)])),
      ]),
    );
  }

  markDirty(): void {
    this.dirty = true;
  }
}
