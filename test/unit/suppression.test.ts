/* Suppression and frequency caps, the pure rules (issue 24). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capCheck, capCounts, withSend } from '../../shared/domain/frequency-caps';
import {
  activeSuppression,
  applyDeliveryEvent,
  emptySuppression,
  EVENTS_KEPT,
  liftSuppression,
  type DeliveryEventKind,
  type SuppressionState,
} from '../../shared/domain/suppression';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const iso = (t: number) => new Date(t).toISOString();
const apply = (state: SuppressionState, kind: DeliveryEventKind, t: number) =>
  applyDeliveryEvent(state, { kind, at: iso(t), source: 'test' });

describe('suppression', () => {
  it('escalates hard bounces: 7, 14, 30, then 180 days', () => {
    let state = emptySuppression();
    const lengths: number[] = [];
    let t = T0;
    for (let i = 0; i < 6; i++) {
      state = apply(state, 'hardBounce', t);
      const active = activeSuppression(state, t)!;
      lengths.push((Date.parse(active.until!) - t) / DAY);
      t = Date.parse(active.until!) + 1000;
      expect(activeSuppression(state, t)).toBeUndefined();
    }
    expect(lengths).toEqual([7, 14, 30, 180, 180, 180]);
  });

  it('counts five soft bounces in a row as a hard one; a delivery ends the streak', () => {
    let state = emptySuppression();
    for (let i = 0; i < 4; i++) state = apply(state, 'softBounce', T0 + i);
    expect(activeSuppression(state, T0 + 10)).toBeUndefined();
    const delivered = apply(state, 'delivered', T0 + 5);
    expect(activeSuppression(apply(delivered, 'softBounce', T0 + 6), T0 + 10)).toBeUndefined();
    const fifth = apply(state, 'softBounce', T0 + 5);
    expect(activeSuppression(fifth, T0 + 10)).toMatchObject({
      reason: 'suppressed-bounce',
      kind: 'hardBounce',
    });
    expect(fifth.softStreak).toBe(0);
  });

  it('a complaint never expires and is never lifted; a manual suppression lasts until lifted', () => {
    const complained = apply(emptySuppression(), 'complaint', T0);
    expect(activeSuppression(complained, T0 + 3650 * DAY)?.reason).toBe('suppressed-complaint');
    expect(liftSuppression(complained, { at: iso(T0 + 1), source: 'api' })).toBe('complaint');
    const manual = apply(emptySuppression(), 'manual', T0);
    expect(activeSuppression(manual, T0 + 3650 * DAY)?.reason).toBe('suppressed-manual');
    const lifted = liftSuppression(manual, { at: iso(T0 + 1), source: 'api' });
    expect(lifted !== 'complaint' && activeSuppression(lifted, T0 + 2)).toBeUndefined();
  });

  it('never shortens a suppression, keeps a bounded event list, and suppresses nothing before its time', () => {
    const kinds = fc.constantFrom<DeliveryEventKind>(
      'hardBounce',
      'softBounce',
      'delivered',
      'complaint',
      'manual',
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(kinds, fc.integer({ min: 0, max: 400 * DAY })), { maxLength: 80 }),
        (events) => {
          let state = emptySuppression();
          let until = -Infinity;
          for (const [kind, offset] of events) {
            state = apply(state, kind, T0 + offset);
            const now = state.bounceUntil ? Date.parse(state.bounceUntil) : -Infinity;
            expect(now).toBeGreaterThanOrEqual(until);
            until = now;
          }
          expect(state.events.length).toBeLessThanOrEqual(EVENTS_KEPT);
          expect(activeSuppression(state, T0 - 1)).toBeUndefined();
          if (events.some(([k]) => k === 'complaint'))
            expect(activeSuppression(state, T0 + 1000 * DAY)?.reason).toBe('suppressed-complaint');
        },
      ),
    );
  });
});

describe('frequency caps', () => {
  it('counts sends in rolling windows and names when a slot frees', () => {
    const sends = [T0 - 8 * DAY, T0 - 3 * DAY, T0 - 2 * 3_600_000, T0 - 3_600_000];
    expect(capCounts(sends, T0)).toEqual({ day: 2, week: 3, month: 4 });
    expect(capCheck({ day: 3 }, sends, T0)).toEqual({ capped: false });
    // The day holds two: the older one leaves the window 22 hours from now.
    expect(capCheck({ day: 2 }, sends, T0)).toEqual({ capped: true, retryAt: T0 - 2 * 3_600_000 + DAY });
    // Both windows full: the later of their frees.
    expect(capCheck({ day: 2, week: 3 }, sends, T0)).toEqual({
      capped: true,
      retryAt: T0 - 3 * DAY + 7 * DAY,
    });
    expect(capCheck(undefined, sends, T0)).toEqual({ capped: false });
    // A send another instance stamped a moment after this decision began still takes its slot.
    expect(capCheck({ day: 1 }, [T0 + 5], T0)).toEqual({ capped: true, retryAt: T0 + 5 + DAY });
  });

  it('after retryAt one more fits, and before it none does (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 * DAY }), { maxLength: 40 }),
        fc.record({
          day: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
          week: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
          month: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
        }),
        (offsets, cap) => {
          const at = T0 + 40 * DAY;
          const sends = offsets.map((o) => T0 + o);
          const result = capCheck(cap, sends, at);
          if (!result.capped) return;
          expect(result.retryAt).toBeGreaterThan(at);
          expect(capCheck(cap, sends, result.retryAt).capped).toBe(false);
          expect(capCheck(cap, sends, result.retryAt - 1).capped).toBe(true);
        },
      ),
    );
  });

  it('keeps no more sends than the largest cap needs, and none older than the month', () => {
    const kept = withSend(
      Array.from({ length: 50 }, (_, i) => T0 - i * DAY),
      T0 + 1,
      10,
    );
    expect(kept).toHaveLength(10);
    expect(kept.at(-1)).toBe(T0 + 1);
    expect(kept.every((t) => T0 + 1 - t < 30 * DAY)).toBe(true);
  });
});
