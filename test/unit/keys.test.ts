import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../shared/domain/model';
import { channelKeyRange, contactPointKey, historyRowKey } from '../../shared/storage/keys';
import { contactKeyOfRecordId, recordId } from '../../shared/storage/record-ids';

// Azure Table Storage forbids these in PartitionKey/RowKey; '%' is escaped too (see keys.ts).
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[/\\#?%\u0000-\u001f\u007f-\u009f]/;

const addresses = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }).filter((s) => s.isWellFormed()),
  fc.constantFrom("o'brien/x#y?z@example.com", 'a\\b@x.com', '!21', '~abc', '%41', ''),
);

describe('contactPointKey', () => {
  it('is injective in practice: different (channel, address) pairs never share a key', () => {
    const seen = new Map<string, string>();
    fc.assert(
      fc.property(fc.constantFrom(...CHANNELS), addresses, (channel, address) => {
        const key = contactPointKey(channel, address);
        const before = seen.get(key);
        if (before !== undefined) expect(before).toBe(`${channel}\n${address}`);
        seen.set(key, `${channel}\n${address}`);
      }),
      { numRuns: 20_000 },
    );
  });

  it('is the channel code and 80 bits of hex, within every backend key limit', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CHANNELS), addresses, (channel, address) => {
        const key = contactPointKey(channel, address);
        expect(key).toMatch(/^[esvc][0-9a-f]{20}$/);
        expect(key).not.toMatch(FORBIDDEN);
        const [low, high] = channelKeyRange(channel);
        expect(key >= low && key < high).toBe(true);
      }),
      { numRuns: 10_000 },
    );
    expect(contactPointKey('email', 'alice@example.com')).not.toBe(
      contactPointKey('sms', 'alice@example.com'),
    );
  });
});

describe('record ids', () => {
  const keys = fc.record({
    channel: fc.constantFrom(...CHANNELS),
    address: addresses,
    purposeId: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
    topicId: fc.option(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), { nil: undefined }),
  });

  it('are UUIDs (version 8, RFC 9562 variant) that lead back to their contact point', () => {
    fc.assert(
      fc.property(keys, ({ channel, address, purposeId, topicId }) => {
        const id = recordId(channel, address, purposeId, topicId);
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(contactKeyOfRecordId(id)).toBe(contactPointKey(channel, address));
        expect(contactKeyOfRecordId(id.toUpperCase())).toBe(contactPointKey(channel, address));
        expect(recordId(channel, address, purposeId, topicId)).toBe(id);
      }),
      { numRuns: 5_000 },
    );
  });

  it('differ between the records of one contact point, and a topic keeps its id under another purpose', () => {
    const ids = new Set(
      ['a', 'b', 'c'].flatMap((purpose) => [
        recordId('email', 'x@example.com', purpose),
        recordId('email', 'x@example.com', purpose, `${purpose}-topic`),
      ]),
    );
    expect(ids.size).toBe(6);
    expect(recordId('email', 'x@example.com', 'a', 'news')).toBe(
      recordId('email', 'x@example.com', 'b', 'news'),
    );
    expect(recordId('email', 'x@example.com', 'a')).not.toBe(recordId('email', 'y@example.com', 'a'));
    expect(recordId('email', 'x@example.com', 'a')).not.toBe(recordId('custom', 'x@example.com', 'a'));
  });

  it('refuse what no record id can be', () => {
    for (const id of [
      '',
      'not-a-guid',
      '0ee03978-c2c8-41b0-a9ef-7ae3f2088401', // version 4
      `${recordId('email', 'x@example.com', 'a').slice(0, 19)}c${recordId('email', 'x@example.com', 'a').slice(20)}`, // variant
      `${recordId('email', 'x@example.com', 'a')}0`,
    ]) {
      expect(contactKeyOfRecordId(id)).toBeUndefined();
    }
  });
});

describe('historyRowKey', () => {
  it('sorts newer entries first', () => {
    const keys = [1, 2, 10, 11, 999_999].map(historyRowKey);
    expect([...keys].sort()).toEqual([...keys].reverse());
  });
});
