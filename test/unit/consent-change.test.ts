import { describe, expect, it } from 'vitest';
import {
  applyConsentWrite,
  effectiveCaptureTime,
  type ConsentWrite,
} from '../../shared/domain/consent-change';
import type { StoredConsent } from '../../shared/domain/model';

const write = (overrides: Partial<ConsentWrite> = {}): ConsentWrite => ({
  purposeId: 'commercial',
  value: 'optedIn',
  source: 'internal',
  reason: 'noReasons',
  status: 'active',
  capturedAt: '2026-01-02T00:00:00.000Z',
  ...overrides,
});
const context = { now: '2026-01-05T00:00:00.000Z', actor: 'tester', version: '2' };
const stored: StoredConsent = {
  ...write(),
  capturedAt: '2026-01-01T00:00:00.000Z',
  createdAt: '2026-01-01T00:00:00.000Z',
  modifiedAt: '2026-01-01T00:00:00.000Z',
  modifiedBy: 'first',
  version: '1',
};

describe('applyConsentWrite', () => {
  it('creates when nothing is stored', () => {
    const applied = applyConsentWrite(undefined, undefined, write(), context);
    expect(applied).toMatchObject({
      outcome: 'created',
      before: null,
      record: { createdAt: context.now, modifiedBy: 'tester', version: '2' },
    });
  });

  it('reports unchanged when nothing it says differs, even with a newer capture time', () => {
    expect(applyConsentWrite(stored, undefined, write(), context)).toEqual({
      outcome: 'unchanged',
      before: stored,
      record: stored,
      seen: write().capturedAt,
    });
  });

  it('updates when any field differs, keeping createdAt', () => {
    for (const change of [
      { value: 'optedOut' },
      { source: 'form' },
      { reason: 'optInEvents' },
      { reasonDescription: 'x' },
      { status: 'inactive' },
      { owner: 'o' },
    ] as const) {
      const applied = applyConsentWrite(stored, undefined, write(change), context);
      expect(applied.outcome).toBe('updated');
      expect(applied.record.createdAt).toBe(stored.createdAt);
      expect(applied.before).toBe(stored);
    }
  });

  it('is stale when captured before what is stored, and changes nothing', () => {
    const applied = applyConsentWrite(
      stored,
      undefined,
      write({ value: 'optedOut', capturedAt: '2025-12-31T23:59:59.999Z' }),
      context,
    );
    expect(applied).toEqual({ outcome: 'stale', before: stored, record: stored, seen: stored.capturedAt });
  });

  it('is stale when captured before the newest capture time seen, even if that write changed nothing', () => {
    const seen = '2026-01-03T00:00:00.000Z';
    const applied = applyConsentWrite(
      stored,
      seen,
      write({ value: 'optedOut', capturedAt: '2026-01-02T12:00:00.000Z' }),
      context,
    );
    expect(applied).toMatchObject({ outcome: 'stale', seen });
  });

  it('ends in the same state whatever order the same events arrive in', () => {
    const events = [
      write({ value: 'optedIn', capturedAt: '2026-01-01T10:00:00.000Z' }),
      write({ value: 'optedIn', capturedAt: '2026-01-01T12:00:00.000Z' }),
      write({ value: 'optedOut', capturedAt: '2026-01-01T11:00:00.000Z' }),
      write({ value: 'optedOut', source: 'form', capturedAt: '2026-01-01T09:00:00.000Z' }),
    ];
    const permutations = (items: ConsentWrite[]): ConsentWrite[][] =>
      items.length <= 1
        ? [items]
        : items.flatMap((item, i) =>
            permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
          );
    const finals = permutations(events).map((order) => {
      let record: StoredConsent | undefined;
      let seen: string | undefined;
      for (const event of order) {
        const applied = applyConsentWrite(record, seen, event, context);
        record = applied.record;
        seen = applied.seen;
      }
      return `${record!.value}/${record!.source}`;
    });
    expect(new Set(finals)).toEqual(new Set(['optedIn/internal']));
  });
});

describe('effectiveCaptureTime', () => {
  it('counts a capture time later than receipt as receipt time', () => {
    const received = new Date('2026-01-01T10:00:00.000Z');
    expect(effectiveCaptureTime('2026-01-01T10:04:00Z', received)).toBe('2026-01-01T10:00:00.000Z');
    expect(effectiveCaptureTime('2026-01-01T09:00:00+01:00', received)).toBe('2026-01-01T08:00:00.000Z');
    expect(effectiveCaptureTime(undefined, received)).toBe(received.toISOString());
  });
});

describe('applyConsentWrite: expiry and proof', () => {
  const DAY = 86_400_000;
  const at = (iso: string, days = 0) => new Date(Date.parse(iso) + days * DAY).toISOString();
  const apply = (current: StoredConsent | undefined, w: ConsentWrite) =>
    applyConsentWrite(current, undefined, w, context);

  it('gives a new opt-in the purpose lifetime from its capture, and a later opt-in renews it', () => {
    const first = apply(undefined, write({ lifetimeDays: 30, capturedAt: '2026-01-01T00:00:00.000Z' }));
    expect(first.record.expiresAt).toBe(at('2026-01-01T00:00:00.000Z', 30));
    const echo = apply(first.record, write({ lifetimeDays: 30, capturedAt: '2026-01-01T00:00:00.000Z' }));
    expect(echo.outcome).toBe('unchanged');
    const renewed = apply(first.record, write({ lifetimeDays: 30, capturedAt: '2026-01-10T00:00:00.000Z' }));
    expect(renewed).toMatchObject({
      outcome: 'updated',
      record: { expiresAt: at('2026-01-10T00:00:00.000Z', 30) },
    });
  });

  it('lets a written expiresAt win over the lifetime, and never gives anything but an opt-in an expiry', () => {
    const explicit = apply(undefined, write({ lifetimeDays: 30, expiresAt: '2026-03-01T00:00:00.000Z' }));
    expect(explicit.record.expiresAt).toBe('2026-03-01T00:00:00.000Z');
    const optOut = apply(
      explicit.record,
      write({ value: 'optedOut', lifetimeDays: 30, capturedAt: '2026-01-03T00:00:00.000Z' }),
    );
    expect(optOut.record.expiresAt).toBeUndefined();
    const notSet = apply(undefined, write({ value: 'notSet', expiresAt: '2026-03-01T00:00:00.000Z' }));
    expect(notSet.record.expiresAt).toBeUndefined();
  });

  it('keeps an expiry and the proof of confirmation while an opt-in without a lifetime continues; a sync echo is unchanged', () => {
    const confirmation = { requestedAt: '2026-01-01T00:00:00.000Z', confirmedAt: '2026-01-02T00:00:00.000Z' };
    const confirmed = apply(undefined, write({ expiresAt: '2026-06-01T00:00:00.000Z', confirmation }));
    const echo = apply(confirmed.record, write({ capturedAt: '2026-01-02T00:00:00.000Z' }));
    expect(echo.outcome).toBe('unchanged');
    const later = apply(confirmed.record, write({ capturedAt: '2026-02-01T00:00:00.000Z' }));
    expect(later.record).toMatchObject({ expiresAt: '2026-06-01T00:00:00.000Z', confirmation });
    const optedOut = apply(
      later.record,
      write({ value: 'optedOut', capturedAt: '2026-02-02T00:00:00.000Z' }),
    );
    expect(optedOut.record.confirmation).toBeUndefined();
    const again = apply(optedOut.record, write({ capturedAt: '2026-02-03T00:00:00.000Z' }));
    expect(again.record).not.toHaveProperty('expiresAt');
    expect(again.record).not.toHaveProperty('confirmation');
  });

  it('does not carry an expired opt-in over to the next one', () => {
    const expired = apply(undefined, write({ expiresAt: '2026-01-03T00:00:00.000Z' }));
    const next = apply(expired.record, write({ capturedAt: '2026-01-04T00:00:00.000Z' }));
    expect(next).toMatchObject({ outcome: 'updated' });
    expect(next.record).not.toHaveProperty('expiresAt');
  });

  it('ends in the same record, expiry included, whatever order the same events arrive in', () => {
    const events = [
      write({ lifetimeDays: 30, capturedAt: '2026-01-01T10:00:00.000Z' }),
      write({ lifetimeDays: 30, capturedAt: '2026-01-01T12:00:00.000Z' }),
      write({ value: 'optedOut', lifetimeDays: 30, capturedAt: '2026-01-01T11:00:00.000Z' }),
      write({
        lifetimeDays: 30,
        expiresAt: '2026-01-09T00:00:00.000Z',
        capturedAt: '2026-01-01T09:00:00.000Z',
      }),
    ];
    const orders = (items: ConsentWrite[]): ConsentWrite[][] =>
      items.length <= 1
        ? [items]
        : items.flatMap((item, i) =>
            orders([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
          );
    const finals = orders(events).map((order) => {
      let record: StoredConsent | undefined;
      let seen: string | undefined;
      for (const event of order) ({ record, seen } = applyConsentWrite(record, seen, event, context));
      return `${record!.value}/${record!.expiresAt}`;
    });
    expect(new Set(finals)).toEqual(new Set([`optedIn/${at('2026-01-01T12:00:00.000Z', 30)}`]));
  });
});
