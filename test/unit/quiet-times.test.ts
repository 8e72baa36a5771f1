/* Quiet times, the pure rules (issue 24): windows across midnight and daylight-saving changes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isCalendarDate,
  isClockTime,
  isTimeZone,
  quietUntil,
  WEEKDAYS,
  type QuietRule,
  type QuietTimes,
} from '../../shared/domain/quiet-times';

const EMAIL = { channel: 'email', purposeType: 'commercial' } as const;
const rule = (
  days: QuietRule['days'],
  from: string,
  to: string,
  extra: Partial<QuietRule> = {},
): QuietRule => ({
  channels: ['email', 'sms'],
  purposeTypes: ['commercial'],
  days,
  from,
  to,
  ...extra,
});
const at = (iso: string) => new Date(iso);
const retry = (quiet: QuietTimes, when: string, message: Parameters<typeof quietUntil>[1] = EMAIL) =>
  quietUntil(quiet, message, at(when));

describe('quiet times', () => {
  it('spans midnight, lasts a whole day when from equals to, and chains windows', () => {
    const nights: QuietTimes = { timeZone: 'UTC', rules: [rule(['fri'], '21:00', '08:00')] };
    // Friday 2026-03-06 23:00 UTC, and Saturday 07:59: both in Friday's night.
    expect(retry(nights, '2026-03-06T23:00:00Z')).toEqual({ retryAt: '2026-03-07T08:00:00.000Z' });
    expect(retry(nights, '2026-03-07T07:59:00Z')).toEqual({ retryAt: '2026-03-07T08:00:00.000Z' });
    expect(retry(nights, '2026-03-07T08:00:00Z')).toBeNull();
    expect(retry(nights, '2026-03-06T20:59:59Z')).toBeNull();
    // Saturday night is not quiet.
    expect(retry(nights, '2026-03-07T23:00:00Z')).toBeNull();

    const monday: QuietTimes = { timeZone: 'UTC', rules: [rule(['mon'], '00:00', '00:00')] };
    expect(retry(monday, '2026-03-02T10:00:00Z')).toEqual({ retryAt: '2026-03-03T00:00:00.000Z' });
    const chained: QuietTimes = {
      timeZone: 'UTC',
      rules: [rule(['mon'], '00:00', '00:00'), rule(['tue'], '00:00', '08:00')],
    };
    expect(retry(chained, '2026-03-02T10:00:00Z')).toEqual({ retryAt: '2026-03-03T08:00:00.000Z' });
  });

  it('holds whole local dates, inclusive, and gives no retryAt past 21 days', () => {
    const holidays: QuietTimes = {
      timeZone: 'Europe/Berlin',
      rules: [],
      dates: [{ from: '2026-12-24', to: '2026-12-26' }],
    };
    // Berlin midnight of 27 December is 23:00 UTC on the 26th.
    expect(retry(holidays, '2026-12-25T12:00:00Z')).toEqual({ retryAt: '2026-12-26T23:00:00.000Z' });
    expect(retry(holidays, '2026-12-23T22:59:59Z')).toBeNull();
    expect(retry(holidays, '2026-12-23T23:00:00Z')).toEqual({ retryAt: '2026-12-26T23:00:00.000Z' });
    const long: QuietTimes = {
      timeZone: 'UTC',
      rules: [],
      dates: [{ from: '2026-01-01', to: '2026-02-15' }],
    };
    expect(retry(long, '2026-01-05T00:00:00Z')).toEqual({ retryAt: undefined });
    const always: QuietTimes = { timeZone: 'UTC', rules: [rule([...WEEKDAYS], '00:00', '00:00')] };
    expect(retry(always, '2026-01-05T00:00:00Z')).toEqual({ retryAt: undefined });
  });

  it("uses the recipient's zone when the message gives one, and only rules for its channel and type", () => {
    const nights: QuietTimes = { timeZone: 'UTC', rules: [rule([...WEEKDAYS], '22:00', '06:00')] };
    // 21:00 in Tokyo: not yet; 23:00 in Tokyo: until 06:00 Tokyo (21:00 UTC).
    expect(retry(nights, '2026-03-02T12:00:00Z', { ...EMAIL, timeZone: 'Asia/Tokyo' })).toBeNull();
    expect(retry(nights, '2026-03-02T14:00:00Z', { ...EMAIL, timeZone: 'Asia/Tokyo' })).toEqual({
      retryAt: '2026-03-02T21:00:00.000Z',
    });
    expect(retry(nights, '2026-03-02T23:00:00Z', { channel: 'voice', purposeType: 'commercial' })).toBeNull();
    expect(
      retry(nights, '2026-03-02T23:00:00Z', { channel: 'email', purposeType: 'transactional' }),
    ).toBeNull();
    const dated: QuietTimes = {
      timeZone: 'UTC',
      rules: [],
      dates: [{ from: '2026-03-02', to: '2026-03-02', channels: ['sms'] }],
    };
    expect(retry(dated, '2026-03-02T10:00:00Z')).toBeNull();
    expect(retry(dated, '2026-03-02T10:00:00Z', { channel: 'sms', purposeType: 'transactional' })).toEqual({
      retryAt: '2026-03-03T00:00:00.000Z',
    });
  });

  it('across the spring-forward night in New York: a window ending in the gap ends when the clock jumps', () => {
    // 2026-03-08: 02:00 EST (07:00 UTC) becomes 03:00 EDT. 01:00 EST is 06:00 UTC.
    const toGap: QuietTimes = { timeZone: 'America/New_York', rules: [rule(['sat'], '22:00', '02:30')] };
    expect(retry(toGap, '2026-03-08T06:00:00Z')).toEqual({ retryAt: '2026-03-08T07:00:00.000Z' });
    // Ending at 08:00 EDT: 12:00 UTC (only nine hours after 22:00 EST on the clock's side).
    const morning: QuietTimes = { timeZone: 'America/New_York', rules: [rule(['sat'], '22:00', '08:00')] };
    expect(retry(morning, '2026-03-08T06:00:00Z')).toEqual({ retryAt: '2026-03-08T12:00:00.000Z' });
    // Saturday 22:00 EST is 03:00 UTC: the window starts there.
    expect(retry(morning, '2026-03-08T02:59:00Z')).toBeNull();
    expect(retry(morning, '2026-03-08T03:00:00Z')).not.toBeNull();
  });

  it('across the fall-back night in New York: the repeated hour ends a window at its first pass', () => {
    // 2026-11-01: 02:00 EDT (06:00 UTC) becomes 01:00 EST. 01:30 happens at 05:30 and 06:30 UTC.
    const ambiguous: QuietTimes = { timeZone: 'America/New_York', rules: [rule(['sat'], '22:00', '01:30')] };
    expect(retry(ambiguous, '2026-11-01T03:00:00Z')).toEqual({ retryAt: '2026-11-01T05:30:00.000Z' });
    expect(retry(ambiguous, '2026-11-01T06:10:00Z')).toBeNull();
    const morning: QuietTimes = { timeZone: 'America/New_York', rules: [rule(['sat'], '22:00', '08:00')] };
    expect(retry(morning, '2026-11-01T03:00:00Z')).toEqual({ retryAt: '2026-11-01T13:00:00.000Z' });
  });

  it('across both changes in Berlin', () => {
    // 2026-03-29: 02:00 CET (01:00 UTC) becomes 03:00 CEST.
    const spring: QuietTimes = { timeZone: 'Europe/Berlin', rules: [rule(['sat'], '23:00', '02:30')] };
    expect(retry(spring, '2026-03-28T23:30:00Z')).toEqual({ retryAt: '2026-03-29T01:00:00.000Z' });
    const springMorning: QuietTimes = { timeZone: 'Europe/Berlin', rules: [rule(['sat'], '23:00', '07:00')] };
    expect(retry(springMorning, '2026-03-28T23:30:00Z')).toEqual({ retryAt: '2026-03-29T05:00:00.000Z' });
    // 2026-10-25: 03:00 CEST (01:00 UTC) becomes 02:00 CET; 02:30 happens at 00:30 and 01:30 UTC.
    const autumn: QuietTimes = { timeZone: 'Europe/Berlin', rules: [rule(['sat'], '23:00', '07:00')] };
    expect(retry(autumn, '2026-10-24T22:30:00Z')).toEqual({ retryAt: '2026-10-25T06:00:00.000Z' });
    const ambiguous: QuietTimes = { timeZone: 'Europe/Berlin', rules: [rule(['sat'], '23:00', '02:30')] };
    expect(retry(ambiguous, '2026-10-24T22:30:00Z')).toEqual({ retryAt: '2026-10-25T00:30:00.000Z' });
  });

  it('chains a rule into a date, and many rules into one another', () => {
    // Friday night until 08:00 Saturday, then all of Saturday 2026-03-07 as a date: free Sunday 00:00.
    const weekend: QuietTimes = {
      timeZone: 'UTC',
      rules: [rule(['fri'], '21:00', '08:00')],
      dates: [{ from: '2026-03-07', to: '2026-03-07' }],
    };
    expect(retry(weekend, '2026-03-06T22:00:00Z')).toEqual({ retryAt: '2026-03-08T00:00:00.000Z' });
    // Twelve two-hour rules Monday to Saturday: 72 windows end to end, free from Sunday 00:00.
    const busy: QuietTimes = {
      timeZone: 'UTC',
      rules: Array.from({ length: 12 }, (_, i) =>
        rule(
          ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
          `${String(2 * i).padStart(2, '0')}:00`,
          `${String((2 * i + 2) % 24).padStart(2, '0')}:00`,
        ),
      ),
    };
    expect(retry(busy, '2026-03-02T00:00:00Z')).toEqual({ retryAt: '2026-03-08T00:00:00.000Z' });
  });

  it('starts windows in the gap when the clock jumps and at the first pass of a repeated hour', () => {
    // New York 2026-03-08: 02:30 does not exist; a window from 02:30 starts at 03:00 EDT (07:00 UTC)
    // and runs to 04:00 EDT (08:00 UTC).
    const fromGap: QuietTimes = { timeZone: 'America/New_York', rules: [rule(['sun'], '02:30', '04:00')] };
    expect(retry(fromGap, '2026-03-08T06:59:59Z')).toBeNull(); // 01:59:59 EST
    expect(retry(fromGap, '2026-03-08T07:00:00Z')).toEqual({ retryAt: '2026-03-08T08:00:00.000Z' });
    // New York 2026-11-01: 01:30 first happens at 05:30 UTC (EDT); 03:00 EST is 08:00 UTC. The
    // second 01:30 (06:30 UTC) is inside the window already.
    const fromRepeat: QuietTimes = { timeZone: 'America/New_York', rules: [rule(['sun'], '01:30', '03:00')] };
    expect(retry(fromRepeat, '2026-11-01T05:29:59Z')).toBeNull();
    expect(retry(fromRepeat, '2026-11-01T05:30:00Z')).toEqual({ retryAt: '2026-11-01T08:00:00.000Z' });
    expect(retry(fromRepeat, '2026-11-01T06:30:00Z')).toEqual({ retryAt: '2026-11-01T08:00:00.000Z' });
  });

  it('holds whole local days of 23 and 25 hours on the days the clock changes', () => {
    // New York Sunday 2026-03-08: 00:00 EST (05:00 UTC) to Monday 00:00 EDT (04:00 UTC), 23 hours.
    const sunday: QuietTimes = { timeZone: 'America/New_York', rules: [rule(['sun'], '00:00', '00:00')] };
    expect(retry(sunday, '2026-03-08T04:59:59Z')).toBeNull();
    expect(retry(sunday, '2026-03-08T05:00:00Z')).toEqual({ retryAt: '2026-03-09T04:00:00.000Z' });
    // Berlin Sunday 2026-10-25 as a date: 00:00 CEST (Saturday 22:00 UTC) to Monday 00:00 CET
    // (Sunday 23:00 UTC), 25 hours.
    const autumn: QuietTimes = {
      timeZone: 'Europe/Berlin',
      rules: [],
      dates: [{ from: '2026-10-25', to: '2026-10-25' }],
    };
    expect(retry(autumn, '2026-10-24T21:59:59Z')).toBeNull();
    expect(retry(autumn, '2026-10-24T22:00:00Z')).toEqual({ retryAt: '2026-10-25T23:00:00.000Z' });
    // Berlin Sunday 2026-03-29 as a date: 00:00 CET (Saturday 23:00 UTC) to Monday 00:00 CEST
    // (Sunday 22:00 UTC), 23 hours.
    const spring: QuietTimes = {
      timeZone: 'Europe/Berlin',
      rules: [],
      dates: [{ from: '2026-03-29', to: '2026-03-29' }],
    };
    expect(retry(spring, '2026-03-29T12:00:00Z')).toEqual({ retryAt: '2026-03-29T22:00:00.000Z' });
  });

  it('validates zones, clock times and dates', () => {
    // Intl matches zone names regardless of case, so 'europe/berlin' is a zone too.
    for (const zone of [
      'UTC',
      'Europe/Berlin',
      'europe/berlin',
      'America/Argentina/Buenos_Aires',
      'Etc/GMT+5',
    ])
      expect(isTimeZone(zone), zone).toBe(true);
    for (const zone of ['', 'Mars/Olympus', '+01:00', 'GMT+99', 'Europe/', '../etc'])
      expect(isTimeZone(zone), zone).toBe(false);
    expect(['00:00', '23:59', '08:30'].every(isClockTime)).toBe(true);
    expect(['24:00', '8:30', '12:60', '12:00:00', ''].some(isClockTime)).toBe(false);
    expect(['2026-02-28', '2028-02-29'].every(isCalendarDate)).toBe(true);
    expect(['2026-02-29', '2026-13-01', '2026-1-01', '20260101'].some(isCalendarDate)).toBe(false);
  });
});

/** An oracle independent of the module: the local weekday and minute from Intl, checked per rule. */
function oracle(quiet: QuietTimes, t: number): boolean {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: quiet.timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(t);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  const day = WEEKDAYS.indexOf(get('weekday').toLowerCase() as (typeof WEEKDAYS)[number]);
  const previous = WEEKDAYS[(day + 6) % 7]!;
  const minute = Number(get('hour')) * 60 + Number(get('minute'));
  const m = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
  return quiet.rules.some((r) => {
    const [from, to] = [m(r.from), m(r.to)];
    if (to > from) return r.days.includes(WEEKDAYS[day]!) && minute >= from && minute < to;
    return (r.days.includes(WEEKDAYS[day]!) && minute >= from) || (r.days.includes(previous) && minute < to);
  });
}

const offset = (zone: string, t: number) => {
  const wall = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(t);
  const get = (type: string) => Number(wall.find((p) => p.type === type)!.value);
  return (
    Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute')) -
    Math.floor(t / 60_000) * 60_000
  );
};

describe('quiet times, properties', () => {
  const zones = [
    'UTC',
    'Asia/Tokyo',
    'Asia/Kolkata',
    'America/New_York',
    'Europe/Berlin',
    'Australia/Sydney',
  ];
  const clock = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
  const rules = fc.array(
    fc.record({
      channels: fc.constant<string[]>(['email']),
      purposeTypes: fc.constant<Array<'commercial'>>(['commercial']),
      days: fc.uniqueArray(fc.constantFrom(...WEEKDAYS), { minLength: 1, maxLength: 7 }),
      from: clock,
      to: clock,
    }),
    { minLength: 1, maxLength: 3 },
  );
  const instant = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) });

  it('agrees with an independent oracle away from clock changes, and retryAt is the first free instant', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), rules, instant, (timeZone, quietRules, t) => {
        // Away from a clock change (within two days), wall time is unambiguous.
        fc.pre(offset(timeZone, t - 2 * 86_400_000) === offset(timeZone, t + 2 * 86_400_000));
        const quiet: QuietTimes = { timeZone, rules: quietRules };
        const result = quietUntil(quiet, EMAIL, new Date(t));
        expect(result !== null).toBe(oracle(quiet, t));
        if (result?.retryAt === undefined) return;
        const r = Date.parse(result.retryAt);
        expect(r).toBeGreaterThan(t);
        expect(quietUntil(quiet, EMAIL, new Date(r))).toBeNull();
        // Every minute between is held (sampled).
        for (let k = 1; k <= 8; k++) {
          const between = t + Math.floor(((r - t) * k) / 9);
          if (between < r) expect(quietUntil(quiet, EMAIL, new Date(between))).not.toBeNull();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('retryAt is never held, on any day of the year in any zone', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), rules, instant, (timeZone, quietRules, t) => {
        const result = quietUntil({ timeZone, rules: quietRules }, EMAIL, new Date(t));
        if (result?.retryAt === undefined) return;
        expect(quietUntil({ timeZone, rules: quietRules }, EMAIL, new Date(result.retryAt))).toBeNull();
      }),
      { numRuns: 300 },
    );
  });
});

/** Local date, weekday and minute of `t` in `zone`, from Intl alone (one formatter per zone). */
const localFormats = new Map<string, Intl.DateTimeFormat>();
function localOf(zone: string, t: number) {
  let format = localFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    localFormats.set(zone, format);
  }
  const parts = format.formatToParts(t);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    day: WEEKDAYS.indexOf(get('weekday').toLowerCase() as (typeof WEEKDAYS)[number]),
    minute: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

type Message = { channel: string; purposeType: 'commercial' | 'transactional'; timeZone?: string };

/** Whether `t` is quiet for `message`, rules, dates, filters and zone choice all read naively. */
function fullOracle(quiet: QuietTimes, message: Message, t: number): boolean {
  const local = localOf(message.timeZone ?? quiet.timeZone, t);
  const today = WEEKDAYS[local.day]!;
  const previous = WEEKDAYS[(local.day + 6) % 7]!;
  const m = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
  const applies = (channels?: string[], types?: string[]) =>
    (!channels || channels.includes(message.channel)) && (!types || types.includes(message.purposeType));
  const byRule = quiet.rules.some((r) => {
    if (!applies(r.channels, r.purposeTypes)) return false;
    const [from, to] = [m(r.from), m(r.to)];
    if (to > from) return r.days.includes(today) && local.minute >= from && local.minute < to;
    return (
      (r.days.includes(today) && local.minute >= from) || (r.days.includes(previous) && local.minute < to)
    );
  });
  const byDate = (quiet.dates ?? []).some(
    (d) => applies(d.channels, d.purposeTypes) && d.from <= local.date && local.date <= d.to,
  );
  return byRule || byDate;
}

describe('quiet times, against a quarter-hour-stepping oracle', () => {
  const zones = ['UTC', 'Asia/Kolkata', 'America/New_York', 'Europe/Berlin', 'Australia/Sydney'];
  const QUARTER = 15 * 60_000;
  const clock = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
  const channels = fc.uniqueArray(fc.constantFrom('email', 'text'), { minLength: 1, maxLength: 2 });
  const types = fc.uniqueArray(
    fc.constantFrom<'commercial' | 'transactional'>('commercial', 'transactional'),
    {
      minLength: 1,
      maxLength: 2,
    },
  );
  const rules = fc.array(
    fc.record({
      channels,
      purposeTypes: types,
      days: fc.uniqueArray(fc.constantFrom(...WEEKDAYS), { minLength: 1, maxLength: 7 }),
      from: clock,
      to: clock,
    }),
    { maxLength: 4 },
  );
  const day0 = Date.UTC(2026, 0, 1);
  // Dates within the year, one to three days long, so chains stay short enough to step through.
  const dates = fc.array(
    fc
      .record({
        start: fc.integer({ min: 0, max: 360 }),
        length: fc.integer({ min: 0, max: 2 }),
        channels: fc.option(channels, { nil: undefined }),
        purposeTypes: fc.option(types, { nil: undefined }),
      })
      .map(({ start, length, ...filters }) => ({
        from: new Date(day0 + start * 86_400_000).toISOString().slice(0, 10),
        to: new Date(day0 + (start + length) * 86_400_000).toISOString().slice(0, 10),
        ...filters,
      })),
    { maxLength: 2 },
  );
  const message = fc.record({
    channel: fc.constantFrom('email', 'text'),
    purposeType: fc.constantFrom<'commercial' | 'transactional'>('commercial', 'transactional'),
    timeZone: fc.option(fc.constantFrom(...zones), { nil: undefined }),
  });
  const instant = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 20) });

  it('is null exactly when the oracle finds at free, and retryAt is the first free quarter hour', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), rules, dates, message, instant, (timeZone, r, d, msg, t) => {
        const quiet: QuietTimes = { timeZone, rules: r, dates: d };
        const zone = msg.timeZone ?? timeZone;
        // The naive oracle reads wall time only; away from clock changes it cannot be fooled.
        fc.pre(offset(zone, t - 2 * 86_400_000) === offset(zone, t + 8 * 86_400_000));
        const result = quietUntil(quiet, msg, new Date(t));
        expect(result === null).toBe(!fullOracle(quiet, msg, t));
        if (result === null) return;
        // Every zone here is a whole number of quarter hours from UTC, and so is every rule and
        // date edge: quiet or not is constant between quarter hours, so stepping them finds the end.
        let q = Math.floor(t / QUARTER) * QUARTER + QUARTER;
        while (q - t <= 7 * 86_400_000 && fullOracle(quiet, msg, q)) q += QUARTER;
        if (q - t > 7 * 86_400_000) return; // a week of chained windows: beyond what stepping checks
        expect(result.retryAt).toBe(new Date(q).toISOString());
      }),
      { numRuns: 400 },
    );
  });
});
