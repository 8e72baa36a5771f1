import { describe, expect, it } from 'vitest';
import { parseSchedule, ScheduleError } from '../../shared/local-host/ncrontab';

const next = (expression: string, from: string) =>
  parseSchedule(expression).next(new Date(from)).toISOString();

describe('NCRONTAB schedules (timer triggers)', () => {
  it('finds the next occurrence, strictly after the given time, in UTC', () => {
    expect(next('0 17 * * * *', '2026-11-24T07:05:00Z')).toBe('2026-11-24T07:17:00.000Z');
    expect(next('0 17 * * * *', '2026-11-24T07:17:00Z')).toBe('2026-11-24T08:17:00.000Z');
    expect(next('*/1 * * * * *', '2026-11-24T07:17:00.400Z')).toBe('2026-11-24T07:17:01.000Z');
    expect(next('*/15 * * * * *', '2026-11-24T07:17:44Z')).toBe('2026-11-24T07:17:45.000Z');
    expect(next('0 0 0 * * *', '2026-12-31T12:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('0 30 9 * * MON-FRI', '2026-11-28T10:00:00Z')).toBe('2026-11-30T09:30:00.000Z'); // Saturday -> Monday
    expect(next('0 0 0 29 FEB *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('0 5,35 1-3 * * *', '2026-11-24T02:36:00Z')).toBe('2026-11-24T03:05:00.000Z');
    expect(next('10-20/5 * * * * *', '2026-11-24T00:00:16Z')).toBe('2026-11-24T00:00:20.000Z');
  });

  it.each([
    '* * * * *',
    '60 * * * * *',
    '* * 24 * * *',
    '* * * 0 * *',
    '* * * * 13 *',
    '* * * * * 7',
    '*/0 * * * * *',
    '5-1 * * * * *',
    'x * * * * *',
  ])('refuses %j', (expression) => {
    expect(() => parseSchedule(expression)).toThrow(ScheduleError);
  });

  it('says so when a schedule never occurs', () => {
    expect(() => parseSchedule('0 0 0 31 FEB *').next(new Date('2026-01-01T00:00:00Z'))).toThrow(
      ScheduleError,
    );
  });
});
