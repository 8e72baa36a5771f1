/**
 * NCRONTAB schedules as the Functions host reads them for timer triggers:
 * `{second} {minute} {hour} {day} {month} {day-of-week}`, in UTC. Each field takes `*`, a value, a
 * range `a-b`, a step `*\/n` or `a-b/n`, and lists of those; months and days of the week also by
 * their English three-letter names. Like NCrontab, a time matches when every field matches.
 */
export interface Schedule {
  /** The first occurrence strictly after `from`. */
  next(from: Date): Date;
}

const FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day-of-week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
] as const;

export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

function parseValue(text: string, field: (typeof FIELDS)[number]): number {
  const names: readonly string[] = 'names' in field ? field.names : [];
  const named = names.indexOf(text.toUpperCase());
  const value = named >= 0 ? named + field.min : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < field.min || value > field.max) {
    throw new ScheduleError(`"${text}" is not a ${field.name} (${field.min}-${field.max})`);
  }
  return value;
}

function parseField(text: string, field: (typeof FIELDS)[number]): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new ScheduleError(`"${part}" has a bad step`);
    let low: number;
    let high: number;
    if (range === '*') [low, high] = [field.min, field.max];
    else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [low, high] = [parseValue(a, field), parseValue(b, field)];
      if (low > high) throw new ScheduleError(`"${range}" runs backwards`);
    } else {
      low = parseValue(range, field);
      high = stepText === undefined ? low : field.max;
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return values;
}

export function parseSchedule(expression: string): Schedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6) throw new ScheduleError(`"${expression}" needs 6 fields (second to day of week)`);
  const [seconds, minutes, hours, days, months, weekdays] = FIELDS.map((field, i) =>
    parseField(parts[i]!, field),
  );
  return {
    next(from: Date): Date {
      const t = new Date(Math.floor(from.getTime() / 1000) * 1000 + 1000);
      // Field by field, jumping to the start of the next month, day, hour or minute on a mismatch.
      for (let guard = 0; guard < 5_000_000; guard++) {
        if (!months!.has(t.getUTCMonth() + 1)) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0, 0, 0);
        } else if (!days!.has(t.getUTCDate()) || !weekdays!.has(t.getUTCDay())) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0, 0, 0);
        } else if (!hours!.has(t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
        } else if (!minutes!.has(t.getUTCMinutes())) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
        } else if (!seconds!.has(t.getUTCSeconds())) {
          t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
        } else {
          return t;
        }
      }
      throw new ScheduleError(`"${expression}" never occurs`);
    },
  };
}
