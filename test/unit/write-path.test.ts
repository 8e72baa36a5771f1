/*
 * The write path without a store: entity conversions, the pure write planner, and the one commit
 * loop (through ConsentService over an in-memory store that plays a concurrent writer).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../../shared/domain/catalog';
import type { ConsentWrite } from '../../shared/domain/consent-change';
import { contactPointParser } from '../../shared/domain/contact-point';
import { DEFAULT_SETTINGS, type StoredConsent } from '../../shared/domain/model';
import { CapacityError, NotFoundError, ValidationError } from '../../shared/errors';
import { CatalogService } from '../../shared/services/catalog-service';
import { ConsentService } from '../../shared/services/consent-service';
import { MAX_EVENTS_KEPT, planWrites, type PendingWrite } from '../../shared/services/write-planner';
import type { CatalogStore } from '../../shared/storage/catalog-store';
import {
  decodeContinuationToken,
  emptyState,
  encodeContinuationToken,
  entriesOf,
  historyEntityOf,
  stateEntityOf,
  stateOf,
} from '../../shared/storage/consent-entities';
import { MemoryConsentStore } from '../support/memory-consent-store';

const contactPoint = { channel: 'email' as const, address: 'alice@example.com' };
const NOW = '2026-12-01T10:00:00.000Z';

function stored(overrides: Partial<StoredConsent> = {}): StoredConsent {
  return {
    purposeId: 'commercial',
    value: 'optedIn',
    source: 'form',
    reason: 'noReasons',
    status: 'active',
    capturedAt: '2026-11-01T10:00:00.000Z',
    createdAt: '2026-11-01T10:00:00.000Z',
    modifiedAt: '2026-11-01T10:00:00.000Z',
    modifiedBy: 'seed',
    version: '1',
    ...overrides,
  };
}

function writeOf(overrides: Partial<ConsentWrite> = {}): ConsentWrite {
  return {
    purposeId: 'commercial',
    value: 'optedOut',
    source: 'internal',
    reason: 'noReasons',
    status: 'active',
    capturedAt: NOW,
    ...overrides,
  };
}

const pending = (write: ConsentWrite, extra: Partial<PendingWrite> = {}): PendingWrite => ({
  index: 0,
  purposeId: write.purposeId,
  write: () => write,
  ...extra,
});

function stateWith(record?: StoredConsent) {
  const state = emptyState();
  if (record) {
    state.records.set('p:commercial', record);
    state.sequence = Number(record.version);
    state.etag = 'etag-1';
  }
  return state;
}

describe('entity conversions', () => {
  it('a state entity reads back as the state it was made from', () => {
    const next = {
      records: new Map([['p:commercial', stored()]]),
      seen: new Map([['p:commercial', '2026-11-02T00:00:00.000Z']]),
      pending: new Map(),
      events: new Map([['twilio:SM1', NOW]]),
      suppression: undefined,
    };
    const entity = stateEntityOf(contactPoint, next, 7);
    const state = stateOf({ ...entity, etag: 'e' } as never);
    expect(state).toMatchObject({ sequence: 7, etag: 'e', feedAt: 0 });
    expect(state.records).toEqual(next.records);
    expect(state.seen).toEqual(next.seen);
    expect(state.events).toEqual(next.events);
    // Non-ASCII text survives the chunking.
    const unicode = stored({ reasonDescription: 'señal 🙂'.repeat(5000) });
    const big = stateEntityOf(contactPoint, { ...next, records: new Map([['p:commercial', unicode]]) });
    expect(stateOf({ ...big, etag: 'e' } as never).records.get('p:commercial')).toEqual(unicode);
  });

  it('refuses a state past what one entity holds, and history entries read back newest first', () => {
    const huge = new Map(
      Array.from({ length: 2000 }, (_, i) => [`t:${i}`, stored({ reasonDescription: 'x'.repeat(300) })]),
    );
    expect(() =>
      stateEntityOf(contactPoint, {
        records: huge,
        seen: new Map(),
        pending: new Map(),
        events: new Map(),
        suppression: undefined,
      }),
    ).toThrow(CapacityError);
    const entries = [1, 2, 3].map((sequence) => ({
      sequence,
      at: NOW,
      actor: 'a',
      purposeId: 'commercial',
      source: 'internal' as const,
      before: null,
      after: stored({ version: String(sequence) }),
    }));
    const entity = historyEntityOf({ channel: 'email', address: 'a@example.com' }, 'pk', entries, 'commit-1');
    expect(entity).toMatchObject({
      commit: 'commit-1',
      first: 1,
      count: 3,
      channel: 'email',
      address: 'a@example.com',
    });
    expect(entriesOf(entity).map((e) => e.sequence)).toEqual([3, 2, 1]);
  });

  it('continuation tokens round-trip and anything else is a 400', () => {
    expect(decodeContinuationToken(encodeContinuationToken('h0000000000000042'))).toBe('h0000000000000042');
    expect(() => decodeContinuationToken('not-a-token')).toThrow(ValidationError);
  });
});

describe('the write planner', () => {
  const context = { now: NOW, actor: { name: 'tester' } };

  it('plans created, updated, unchanged and stale, with one history entry per change', () => {
    expect(planWrites(stateWith(), [pending(writeOf())], context).results[0]!.outcome).toBe('created');
    const updated = planWrites(stateWith(stored()), [pending(writeOf())], context);
    expect(updated.results[0]!.outcome).toBe('updated');
    expect(updated.change!.entries).toHaveLength(1);
    const same = writeOf({ value: 'optedIn', source: 'form', capturedAt: '2026-11-01T10:00:00.000Z' });
    expect(planWrites(stateWith(stored()), [pending(same)], context)).toMatchObject({
      results: [{ outcome: 'unchanged' }],
      change: undefined,
    });
    const older = writeOf({ capturedAt: '2026-10-01T00:00:00.000Z' });
    expect(planWrites(stateWith(stored()), [pending(older)], context).results[0]!.outcome).toBe('stale');
  });

  it('a precondition that no longer holds is a conflict, and writes nothing', () => {
    const plan = planWrites(
      stateWith(stored()),
      [pending(writeOf(), { precondition: { version: '0' } })],
      context,
    );
    expect(plan).toMatchObject({
      results: [{ outcome: 'conflict', record: { version: '1' } }],
      change: undefined,
    });
    expect(() =>
      planWrites(stateWith(), [pending(writeOf(), { precondition: { exists: true } })], context),
    ).toThrow(NotFoundError);
  });

  it('a metadata edit keeps the capture time and the expiry of an expired opt-in', () => {
    const expired = stored({ expiresAt: '2026-11-15T00:00:00.000Z' });
    const edit = writeOf({ value: 'optedIn', status: 'inactive', metadataOnly: true });
    const plan = planWrites(stateWith(expired), [pending(edit)], context);
    expect(plan.results[0]).toMatchObject({
      outcome: 'updated',
      record: { status: 'inactive', capturedAt: expired.capturedAt, expiresAt: expired.expiresAt },
    });
  });

  it('records a provider event even when it changes nothing, and a repeat of it changes nothing', () => {
    const state = stateWith(stored({ value: 'optedOut', source: 'textMessage' }));
    const stop = writeOf({
      value: 'optedOut',
      source: 'textMessage',
      capturedAt: '2026-11-01T10:00:00.000Z',
    });
    const first = planWrites(state, [pending(stop)], { ...context, event: 'twilio:SM1' });
    expect(first.results[0]!.outcome).toBe('unchanged');
    expect(first.change!.next.events.has('twilio:SM1')).toBe(true);
    const replayed = { ...state, events: new Map(first.change!.next.events) };
    const start = writeOf({ value: 'optedIn' });
    expect(planWrites(replayed, [pending(start)], { ...context, event: 'twilio:SM1' })).toMatchObject({
      results: [{ outcome: 'unchanged', record: { value: 'optedOut' } }],
      change: undefined,
    });
  });

  it(`keeps the newest ${MAX_EVENTS_KEPT} provider events`, () => {
    const state = stateWith(stored());
    for (let i = 0; i < MAX_EVENTS_KEPT; i++) state.events.set(`acs:${i}`, NOW);
    const plan = planWrites(state, [pending(writeOf())], { ...context, event: 'acs:new' });
    const events = [...plan.change!.next.events.keys()];
    expect(events).toHaveLength(MAX_EVENTS_KEPT);
    expect(events).not.toContain('acs:0');
    expect(events.at(-1)).toBe('acs:new');
  });
});

describe('one commit loop: a write applied onto the state current when it commits', () => {
  const catalogStore = {
    ready: async () => undefined,
    readProfiles: async () => ({ profiles: [{ ...DEFAULT_PROFILE, version: 1 }], etag: '1', revision: 1 }),
    readSettings: async () => DEFAULT_SETTINGS,
  } as unknown as CatalogStore;

  function service(store: MemoryConsentStore) {
    return new ConsentService(store, new CatalogService(catalogStore, 60_000), {
      parser: contactPointParser('US'),
      concurrency: 4,
    });
  }

  it('a patch that loses a race to an opt-out is planned again from the opt-out, and keeps it', async () => {
    const store = new MemoryConsentStore();
    const consents = service(store);
    await consents.upsert(
      [{ channel: 'email', contactPoint: contactPoint.address, purposeId: 'commercial', value: 'optedIn' }],
      'seed',
    );
    let raced = false;
    store.beforeCommit = async () => {
      if (raced) return;
      raced = true;
      store.beforeCommit = undefined;
      await consents.upsert(
        [
          {
            channel: 'email',
            contactPoint: contactPoint.address,
            purposeId: 'commercial',
            value: 'optedOut',
          },
        ],
        'sms-twilio',
      );
    };
    const result = await consents.patch(
      contactPoint,
      { purposeId: 'commercial' },
      { reasonDescription: 'note' },
      'crm',
    );
    expect(store.conflicts).toBe(1);
    expect(result.record).toMatchObject({ value: 'optedOut', reasonDescription: 'note', modifiedBy: 'crm' });
  });

  it('an ifVersion write that loses a race comes back conflict, and writes nothing', async () => {
    const store = new MemoryConsentStore();
    const consents = service(store);
    const [seeded] = await consents.upsert(
      [{ channel: 'email', contactPoint: contactPoint.address, purposeId: 'commercial', value: 'optedIn' }],
      'seed',
    );
    store.beforeCommit = async () => {
      store.beforeCommit = undefined;
      await consents.upsert(
        [
          {
            channel: 'email',
            contactPoint: contactPoint.address,
            purposeId: 'commercial',
            value: 'optedOut',
          },
        ],
        'person',
      );
    };
    const [edit] = await consents.upsert(
      [
        {
          channel: 'email',
          contactPoint: contactPoint.address,
          purposeId: 'commercial',
          value: 'optedIn',
          reasonDescription: 'typo',
          ifVersion: seeded!.record!.version,
        },
      ],
      'admin',
    );
    expect(edit).toMatchObject({ outcome: 'conflict', record: { value: 'optedOut', modifiedBy: 'person' } });
    expect((await store.read(contactPoint)).records.get('p:commercial')?.reasonDescription).toBeUndefined();
  });
});
