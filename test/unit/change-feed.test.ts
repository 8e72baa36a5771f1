import { describe, expect, it } from 'vitest';
import { ChangeFeedService, decodeCursor, type FeedChange } from '../../shared/feed/change-feed';
import {
  positionOf,
  type FeedMarker,
  type FeedMarkerStore,
  type MarkedCommit,
} from '../../shared/feed/feed-markers';
import type { CommitLookup, HistoryEntry } from '../../shared/storage/consent-store';

const NOW = 1_800_000_000_000;
const SETTLE = 5_000;

function entry(sequence: number, purposeId = 'commercial'): HistoryEntry {
  const record = {
    purposeId,
    value: 'optedIn' as const,
    source: 'internal' as const,
    reason: 'noReasons' as const,
    status: 'active' as const,
    capturedAt: '2026-01-01T00:00:00.000Z',
    createdAt: '2026-01-01T00:00:00.000Z',
    modifiedAt: '2026-01-01T00:00:00.000Z',
    modifiedBy: 'a',
    version: String(sequence),
  };
  return {
    sequence,
    at: record.modifiedAt,
    actor: 'a',
    purposeId,
    source: 'internal',
    before: null,
    after: record,
  };
}

/** Markers and commits in memory: the reader's logic, without storage. */
class Fakes implements FeedMarkerStore {
  markers: FeedMarker[] = [];
  /** Entries of a landed commit (of `<id>@example.com`), or what else its row says. */
  commits = new Map<string, HistoryEntry[] | CommitLookup>();
  async ready() {}
  async write() {}
  async remove() {}
  async fail() {}
  async purge() {
    return 0;
  }
  async after(from: string, inclusive: boolean, until: number, limit: number) {
    return this.markers
      .filter((m) => (inclusive ? m.position >= from : m.position > from) && m.time <= until)
      .sort((a, b) => (a.position < b.position ? -1 : 1))
      .slice(0, limit);
  }
  async readCommit(_key: string, _row: string, commit: string): Promise<CommitLookup> {
    const found = this.commits.get(commit) ?? 'pending';
    if (!Array.isArray(found)) return found;
    return { entries: found, contactPoint: { channel: 'email', address: `${commit}@example.com` } };
  }
  add(
    time: number,
    commits: Array<[string, HistoryEntry[] | CommitLookup]>,
    failed: number[] = [],
  ): FeedMarker {
    const listed: MarkedCommit[] = commits.map(([id]) => ({
      commit: id,
      channel: 'email',
      contactKey: `e${id}`,
      historyRowKey: 'h1',
    }));
    for (const [id, lookup] of commits) if (lookup !== 'pending') this.commits.set(id, lookup);
    const marker = {
      position: positionOf(time, `00000000-0000-4000-8000-${String(this.markers.length).padStart(12, '0')}`),
      time,
      deadline: time + 60_000,
      commits: listed,
      failed: new Set(failed),
    };
    this.markers.push(marker);
    return marker;
  }
}

function feed(fakes: Fakes, now = NOW) {
  return new ChangeFeedService(fakes, fakes, {
    settleMs: SETTLE,
    retentionMs: 30 * 86_400_000,
    concurrency: 4,
    clock: () => now,
  });
}

const who = (changes: FeedChange[]) =>
  changes.map((c) =>
    'type' in c ? `erased:${c.subject}` : `${c.contactPoint.split('@')[0]}:${c.after.version}`,
  );

describe('change feed reader', () => {
  it('serves a marker commit by commit, stops at a commit that may still land, and resumes after it lands', async () => {
    const fakes = new Fakes();
    fakes.add(NOW - 20_000, [
      ['a', [entry(1), entry(2)]],
      ['b', 'pending'],
      ['c', [entry(1)]],
    ]);
    const first = await feed(fakes).changes(undefined, 100);
    expect(who(first.changes)).toEqual(['a:1', 'a:2']);
    // Still pending: nothing new, same place.
    const again = await feed(fakes).changes(first.cursor, 100);
    expect(again.changes).toEqual([]);
    expect(decodeCursor(again.cursor)).toEqual(decodeCursor(first.cursor));
    fakes.commits.set('b', [entry(5)]);
    const rest = await feed(fakes).changes(first.cursor, 100);
    expect(who(rest.changes)).toEqual(['b:5', 'c:1']);
    expect((await feed(fakes).changes(rest.cursor, 100)).changes).toEqual([]);
  });

  it('passes over a commit that never landed once its deadline is past, and a commit flagged failed at once', async () => {
    const fakes = new Fakes();
    fakes.add(NOW - 70_000, [
      ['a', 'pending'],
      ['b', [entry(1)]],
    ]);
    fakes.add(
      NOW - 10_000,
      [
        ['c', 'pending'],
        ['d', [entry(3)]],
      ],
      [0],
    );
    expect(who((await feed(fakes).changes(undefined, 100)).changes)).toEqual(['b:1', 'd:3']);
  });

  it('never serves a marker younger than the settle window', async () => {
    const fakes = new Fakes();
    fakes.add(NOW - SETTLE - 1, [['a', [entry(1)]]]);
    fakes.add(NOW - SETTLE + 1, [['b', [entry(1)]]]);
    const page = await feed(fakes).changes(undefined, 100);
    expect(who(page.changes)).toEqual(['a:1']);
    expect(who((await feed(fakes, NOW + 2).changes(page.cursor, 100)).changes)).toEqual(['b:1']);
  });

  it('pages by limit inside and across commits with no change twice and none skipped', async () => {
    const fakes = new Fakes();
    fakes.add(NOW - 30_000, [
      ['a', [entry(1), entry(2), entry(3)]],
      ['b', 'failed'],
      ['c', [entry(1), entry(2)]],
    ]);
    fakes.add(NOW - 20_000, [['d', [entry(7)]]]);
    for (const limit of [1, 2, 3, 4, 5, 6]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 20; page++) {
        const result = await feed(fakes).changes(cursor, limit);
        expect(result.changes.length).toBeLessThanOrEqual(limit);
        seen.push(...who(result.changes));
        cursor = result.cursor;
        if (result.changes.length === 0) break;
      }
      expect(seen, `limit ${limit}`).toEqual(['a:1', 'a:2', 'a:3', 'c:1', 'c:2', 'd:7']);
    }
  });

  it('serves an erasure as one change naming its keyed digest, never the address, and a legacy marker by its address', async () => {
    const fakes = new Fakes();
    const erasure = { id: 'x', at: '2026-01-02T00:00:00.000Z', actor: 'dpo', sequence: 4 };
    fakes.add(NOW - 30_000, [
      ['a', [entry(1)]],
      ['x', { erased: { erasure, channel: 'email', subject: 'digest-of-a' } }],
    ]);
    // A marker written before history rows named their contact point.
    const legacy = fakes.add(NOW - 20_000, [['old', { entries: [entry(2)], contactPoint: undefined }]]);
    legacy.commits[0]!.address = 'legacy@example.com';
    const page = await feed(fakes).changes(undefined, 100);
    expect(who(page.changes)).toEqual(['a:1', 'erased:digest-of-a', 'legacy:2']);
    expect(page.changes[1]).toEqual({
      type: 'erased',
      at: erasure.at,
      actor: 'dpo',
      channel: 'email',
      subject: 'digest-of-a',
    });
    expect(JSON.stringify(page.changes[1])).not.toContain('@');
  });
});
