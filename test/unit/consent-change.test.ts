import { describe, expect, it } from 'vitest';
import { applyConsentWrite, type ConsentWrite } from '../../shared/domain/consent-change';
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
    const applied = applyConsentWrite(undefined, write(), context);
    expect(applied).toMatchObject({
      outcome: 'created',
      before: null,
      record: { createdAt: context.now, modifiedBy: 'tester', version: '2' },
    });
  });

  it('reports unchanged when nothing it says differs, even with a newer capture time', () => {
    expect(applyConsentWrite(stored, write(), context)).toEqual({
      outcome: 'unchanged',
      before: stored,
      record: stored,
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
      const applied = applyConsentWrite(stored, write(change), context);
      expect(applied.outcome).toBe('updated');
      expect(applied.record.createdAt).toBe(stored.createdAt);
      expect(applied.before).toBe(stored);
    }
  });

  it('is stale when captured before what is stored, and changes nothing', () => {
    const applied = applyConsentWrite(
      stored,
      write({ value: 'optedOut', capturedAt: '2025-12-31T23:59:59.999Z' }),
      context,
    );
    expect(applied).toEqual({ outcome: 'stale', before: stored, record: stored });
  });
});
