import { mapLimit } from '../utils/map-limit';
import { GoneError, ValidationError } from '../errors';
import type { ConsentRecord } from '../api/common/common.schemas';
import { toApiRecord } from '../services/api-record';
import type { ContactPoint } from '../domain/contact-point';
import type { CommitLookup, ConsentStore, HistoryEntry } from '../storage/consent-store';
import { subjectOf } from '../storage/subject-key';
import {
  POSITION_PATTERN,
  positionAt,
  timeOfPosition,
  type MarkedCommit,
  type FeedMarkerStore,
} from './feed-markers';

/** A change of a record, as the history has it. */
export interface RecordChange {
  at: string;
  actor: string;
  actorId?: string;
  onBehalfOf?: string;
  source: HistoryEntry['source'];
  channel: MarkedCommit['channel'];
  contactPoint: string;
  /** The keyed digest an erasure of this contact point will name: kept by consumers to erase it then. */
  subject: string;
  purposeId: string;
  topicId?: string;
  before: ConsentRecord | null;
  after: ConsentRecord;
}

/** An erasure: syncing systems erase the address too (they find it by the keyed digest they keep, or ask for it). */
export interface ErasedChange {
  type: 'erased';
  at: string;
  actor: string;
  channel: MarkedCommit['channel'];
  /** The keyed digest of the address (never the address). */
  subject: string;
}

export type FeedChange = RecordChange | ErasedChange;

export interface ChangeFeedOptions {
  /** How long a change waits before it is served, so no marker can still appear behind a cursor. */
  settleMs: number;
  retentionMs: number;
  concurrency: number;
  clock?: () => number;
}

/** Where a consumer stands: after the marker at `position`, less `served` entries of its commits. */
interface Cursor {
  position: string;
  /** Entries of the marker at `position` already served, its commits taken in order; 0 when all were. */
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
  const match = /^(.*)\|(\d{1,6})$/.exec(Buffer.from(body, 'base64url').toString('utf8'));
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
    // A partly served marker is read again from its start.
    const markers = await this.markers.after(cursor.position, cursor.served > 0, horizon, limit);

    const changes: FeedChange[] = [];
    let position = cursor;
    for (const marker of markers) {
      const commits = await mapLimit(marker.commits, this.options.concurrency, (c, index) =>
        marker.failed.has(index)
          ? Promise.resolve<CommitLookup>('failed')
          : this.consents.readCommit(c.contactKey, c.historyRowKey, c.commit),
      );
      // Entries of this marker already served (its commits taken in order), and how far this page gets.
      let skip = marker.position === cursor.position ? cursor.served : 0;
      let served = skip;
      let stopped = false;
      for (const [index, commit] of commits.entries()) {
        // Not landed (yet): before the deadline the page ends here; after it, it never will.
        if (commit === 'pending' && now < marker.deadline) {
          stopped = true;
          break;
        }
        if (typeof commit !== 'object') continue;
        const commitChanges = changesOf(marker.commits[index]!, commit);
        const from = Math.min(skip, commitChanges.length);
        skip -= from;
        const fresh = commitChanges.slice(from, from + (limit - changes.length));
        changes.push(...fresh);
        served += fresh.length;
        const more = from + fresh.length < commitChanges.length || index < commits.length - 1;
        if (changes.length >= limit && more) {
          stopped = true;
          break;
        }
      }
      if (stopped) {
        if (served > 0) position = { position: marker.position, served };
        break;
      }
      position = { position: marker.position, served: 0 };
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

/** What the feed serves of one landed commit: its entries, or its erasure. */
function changesOf(commit: MarkedCommit, lookup: Exclude<CommitLookup, 'pending' | 'failed'>): FeedChange[] {
  if ('erased' in lookup) {
    const { erasure, channel, subject } = lookup.erased;
    return [{ type: 'erased', at: erasure.at, actor: erasure.actor, channel, subject }];
  }
  // Rows name their contact point; markers written before they did, the marker.
  const contactPoint =
    lookup.contactPoint ??
    (commit.address !== undefined ? { channel: commit.channel, address: commit.address } : undefined);
  if (!contactPoint) return [];
  return lookup.entries.map((entry) => toChange(contactPoint, entry));
}

function toChange(contactPoint: ContactPoint, entry: HistoryEntry): RecordChange {
  return {
    at: entry.at,
    actor: entry.actor,
    ...(entry.actorId !== undefined ? { actorId: entry.actorId } : {}),
    ...(entry.onBehalfOf !== undefined ? { onBehalfOf: entry.onBehalfOf } : {}),
    source: entry.source,
    channel: contactPoint.channel,
    contactPoint: contactPoint.address,
    subject: subjectOf(contactPoint.channel, contactPoint.address),
    purposeId: entry.purposeId,
    ...(entry.topicId !== undefined ? { topicId: entry.topicId } : {}),
    before: entry.before ? toApiRecord(contactPoint, entry.before) : null,
    after: toApiRecord(contactPoint, entry.after),
  };
}
