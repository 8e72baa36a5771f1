import { mapLimit } from '../concurrency';
import { GoneError, ValidationError } from '../errors';
import type { ConsentRecord } from '../schemas';
import { toApiRecord } from '../services/consent-service';
import type { ConsentStore, HistoryEntry } from '../storage/consent-store';
import {
  POSITION_PATTERN,
  positionAt,
  timeOfPosition,
  type FeedMarker,
  type FeedMarkerStore,
} from './feed-markers';

export interface FeedChange {
  at: string;
  actor: string;
  source: HistoryEntry['source'];
  channel: FeedMarker['channel'];
  contactPoint: string;
  purposeId: string;
  topicId?: string;
  before: ConsentRecord | null;
  after: ConsentRecord;
}

export interface ChangeFeedOptions {
  /** How long a change waits before it is served, so no marker can still appear behind a cursor. */
  settleMs: number;
  retentionMs: number;
  concurrency: number;
  clock?: () => number;
}

/** Where a consumer stands: after the marker at `position`, less `served` entries of its commit. */
interface Cursor {
  position: string;
  /** Entries of the commit at `position` already served; 0 when the whole commit was. */
  served: number;
}

const CURSOR_PREFIX = 'c1.';

export function encodeCursor(cursor: Cursor): string {
  return CURSOR_PREFIX + Buffer.from(`${cursor.position}|${cursor.served}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  const invalid = () =>
    new ValidationError('The cursor is not valid.', [
      {
        path: 'cursor',
        message: 'not a cursor this service issued; start again without one or with cursor=now',
      },
    ]);
  if (!text.startsWith(CURSOR_PREFIX) || text.length > 200) throw invalid();
  const body = text.slice(CURSOR_PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) throw invalid();
  const match = /^(.*)\|(\d{1,4})$/.exec(Buffer.from(body, 'base64url').toString('utf8'));
  if (!match) throw invalid();
  const [, position = '', served = '0'] = match;
  const isStart = position === '' || /^\d{15}-$/.test(position);
  if (!isStart && !POSITION_PATTERN.test(position)) throw invalid();
  if (isStart && served !== '0') throw invalid();
  return { position, served: Number(served) };
}

/**
 * Every committed change, in commit order, across all contact points. Markers are read in position
 * order up to `now - settle`; each one's commit is looked up in its contact point's history: found,
 * its entries are served; not there and past its deadline, it never landed and is passed over;
 * not there yet, the page ends before it. See the README, "Change feed".
 */
export class ChangeFeedService {
  private readonly clock: () => number;

  constructor(
    private readonly markers: FeedMarkerStore,
    private readonly consents: Pick<ConsentStore, 'readCommit'>,
    private readonly options: ChangeFeedOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  async changes(
    cursorText: string | undefined,
    limit: number,
  ): Promise<{ changes: FeedChange[]; cursor: string }> {
    const now = this.clock();
    const horizon = now - this.options.settleMs;
    if (cursorText === 'now')
      return { changes: [], cursor: encodeCursor({ position: positionAt(horizon), served: 0 }) };
    const cursor = cursorText === undefined ? { position: '', served: 0 } : decodeCursor(cursorText);
    if (cursor.position !== '' && timeOfPosition(cursor.position) < now - this.options.retentionMs) {
      throw new GoneError(
        'The cursor is older than the changes kept; read the records again and start with cursor=now.',
      );
    }
    await this.markers.ready();
    // A partly served commit is read again from its own marker.
    const markers = await this.markers.after(cursor.position, cursor.served > 0, horizon, limit);
    const commits = await mapLimit(markers, this.options.concurrency, (m) =>
      this.consents.readCommit(m.contactKey, m.historyRowKey, m.commit),
    );

    const changes: FeedChange[] = [];
    let position = cursor;
    for (const [i, marker] of markers.entries()) {
      const commit = commits[i]!;
      if (commit === 'pending') {
        if (now < marker.deadline) break;
        position = { position: marker.position, served: 0 }; // never landed: passed over
        continue;
      }
      if (commit === 'failed') {
        position = { position: marker.position, served: 0 };
        continue;
      }
      const skip = marker.position === cursor.position ? cursor.served : 0;
      const entries = commit.slice(skip, skip + (limit - changes.length));
      changes.push(...entries.map((entry) => toChange(marker, entry)));
      const served = skip + entries.length;
      position = { position: marker.position, served: served < commit.length ? served : 0 };
      if (changes.length >= limit) break;
    }
    return { changes, cursor: encodeCursor(position) };
  }

  /** Deletes the markers past the retention; the history itself is never deleted. */
  async purge(): Promise<number> {
    await this.markers.ready();
    return this.markers.purge(this.clock() - this.options.retentionMs);
  }
}

function toChange(marker: FeedMarker, entry: HistoryEntry): FeedChange {
  const contactPoint = { channel: marker.channel, address: marker.address };
  return {
    at: entry.at,
    actor: entry.actor,
    source: entry.source,
    channel: marker.channel,
    contactPoint: marker.address,
    purposeId: entry.purposeId,
    ...(entry.topicId !== undefined ? { topicId: entry.topicId } : {}),
    before: entry.before ? toApiRecord(contactPoint, entry.before) : null,
    after: toApiRecord(contactPoint, entry.after),
  };
}
