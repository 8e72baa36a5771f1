/*
 * Quiet times (DOMAIN.md, "Quiet times and frequency caps"): hours of given weekdays and whole dates
 * when a profile's messages are held, as wall-clock times in the recipient's time zone. Pure: the
 * rules, a time zone and an instant. Time zone rules come from the platform's Intl data (no tables
 * here); only wall time <-> instant is computed, from the offsets Intl reports.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
type SendType = 'commercial' | 'transactional';

export interface QuietRule {
  channels: string[];
  purposeTypes: SendType[];
  days: Weekday[];
  /** HH:MM local. `to` before `from` spans midnight; equal to it, a whole day from `from`. */
  from: string;
  to: string;
}

export interface QuietDates {
  /** YYYY-MM-DD, whole local days, inclusive. */
  from: string;
  to: string;
  channels?: string[];
  purposeTypes?: SendType[];
}

export interface QuietTimes {
  timeZone: string;
  rules: QuietRule[];
  dates?: QuietDates[];
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How far ahead a retryAt is given (API.md): further away, the message is only blocked. */
const HORIZON = 21 * DAY;

/*
 * One formatter per zone (building one costs far more than using it). Keyed case-insensitively, as
 * Intl matches zone names: the map then holds at most one entry per zone Intl knows, whatever
 * spellings isTimeZone is asked about.
 */
const formats = new Map<string, Intl.DateTimeFormat>();
function formatOf(timeZone: string): Intl.DateTimeFormat {
  const key = timeZone.toLowerCase();
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(key, format);
  }
  return format;
}

/** True when Intl knows the IANA zone (`Europe/Berlin`, `UTC`); offsets and unknown names are not zones. */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    formatOf(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * HH:MM from 00:00 to 23:59. No 24:00: a window to the end of the day is written `to: "00:00"`
 * (before `from`, so it runs to the next midnight), and one spelling per instant keeps rules comparable.
 */
export const isClockTime = (s: string): boolean => /^([01]\d|2[0-3]):[0-5]\d$/.test(s);

/** YYYY-MM-DD, a day the calendar has. */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const t = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return t.toISOString().slice(0, 10) === s;
}

/** The wall clock of `t` in `zone`, as if it were UTC (epoch ms, whole seconds). */
function wallOf(t: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatOf(zone).formatToParts(t)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** The zone's offset at instant `t` (ms, east positive). */
const offsetAt = (t: number, zone: string) => wallOf(t, zone) - Math.floor(t / 1000) * 1000;

/**
 * The instant a wall time (given as if UTC) happens in `zone`. Twice on a fall-back night: the
 * first. Never, in a spring-forward gap: the first instant after the gap (the wall clock's next
 * existing time), so a window ending at 02:30 on that night ends when the clock jumps.
 */
function instantOf(wall: number, zone: string): number {
  const offsets = new Set([offsetAt(wall - DAY, zone), offsetAt(wall, zone), offsetAt(wall + DAY, zone)]);
  const found = [...offsets].map((o) => wall - o).filter((t) => wallOf(t, zone) === wall);
  if (found.length > 0) return Math.min(...found);
  // In the gap: the transition lies between the two readings; find its first instant.
  let lo = wall - Math.max(...offsets);
  let hi = wall - Math.min(...offsets);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (wallOf(mid, zone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
const dayOf = (date: string) => Date.parse(`${date}T00:00:00Z`);
/** Weekday of a local day given as UTC midnight: Monday 0. */
const weekdayOf = (day: number) => WEEKDAYS[(new Date(day).getUTCDay() + 6) % 7]!;

interface Applicable {
  rules: QuietRule[];
  dates: QuietDates[];
}

/** The windows around instant `t` that contain it: their ends (epoch ms). */
function endsContaining(applicable: Applicable, zone: string, t: number): number[] {
  const wall = wallOf(t, zone);
  const today = Math.floor(wall / DAY) * DAY;
  const ends: number[] = [];
  for (const rule of applicable.rules) {
    const from = minutesOf(rule.from);
    const to = minutesOf(rule.to);
    // A window that started yesterday may still run (it spans midnight, or lasts the whole day).
    for (const day of [today - DAY, today]) {
      if (!rule.days.includes(weekdayOf(day))) continue;
      const start = instantOf(day + from * MINUTE, zone);
      const end = instantOf(day + (to > from ? to : to + 24 * 60) * MINUTE, zone);
      if (start <= t && t < end) ends.push(end);
    }
  }
  for (const dates of applicable.dates) {
    const first = dayOf(dates.from);
    const last = dayOf(dates.to);
    if (today < first - DAY || today > last + DAY) continue;
    const start = instantOf(first, zone);
    const end = instantOf(last + DAY, zone);
    if (start <= t && t < end) ends.push(end);
  }
  return ends;
}

/**
 * Whether a message may go at `at`: null when no quiet time holds it; else `retryAt`, the first
 * instant none does (windows that follow one another are waited out together), or undefined when
 * that is more than 21 days ahead. The message's own time zone (the recipient's) wins.
 */
export function quietUntil(
  quiet: QuietTimes,
  message: { channel: string; purposeType: SendType; timeZone?: string | undefined },
  at: Date,
): null | { retryAt: string | undefined } {
  const applies = (channels: string[] | undefined, types: SendType[] | undefined) =>
    (channels === undefined || channels.includes(message.channel)) &&
    (types === undefined || types.includes(message.purposeType));
  const applicable = {
    rules: quiet.rules.filter((r) => applies(r.channels, r.purposeTypes)),
    dates: (quiet.dates ?? []).filter((d) => applies(d.channels, d.purposeTypes)),
  };
  if (applicable.rules.length === 0 && applicable.dates.length === 0) return null;
  const zone = message.timeZone ?? quiet.timeZone;
  const start = at.getTime();
  let t = start;
  // No step cap: each pass moves t strictly forward (only windows ending after t count) past a
  // window's end, and the horizon stops it; up to 50 rules may chain many times within 21 days.
  for (;;) {
    const ends = endsContaining(applicable, zone, t);
    if (ends.length === 0) return t === start ? null : { retryAt: new Date(t).toISOString() };
    t = Math.max(...ends);
    if (t - start > HORIZON) return { retryAt: undefined };
  }
}
