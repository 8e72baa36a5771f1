import { createHash } from 'node:crypto';
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { Limiter } from '../utils/limiter';
import type { Channel } from '../domain/model';
import { asciiJson, fromChunks, toChunks } from '../storage/chunks';
import { ensureTable, once, storageCall } from '../storage/storage-call';
import { submitTransaction } from '../storage/table-transaction';

/** One commit a marker announces: where it will land and the id that proves it did. */
export interface MarkedCommit {
  commit: string;
  channel: Channel;
  /**
   * Markers written before history rows named their contact point held its address; markers hold no
   * address now, so that an erasure leaves none behind in the feed.
   */
  address?: string;
  /** The contact point's partition in the consents table, and the commit's history row there. */
  contactKey: string;
  historyRowKey: string;
}

/**
 * A feed marker: written before the commits it lists are sent (all of one request's commits share
 * one marker), it says where each will land and when it may be served. The feed is read across
 * markers in `position` order; each commit itself is the proof that its change happened.
 */
export interface FeedMarker {
  /** `<time, 15 digits>-<marker id>`: the marker's place in the feed, comparable across shards. */
  position: string;
  /** Milliseconds since the epoch: when its commits were about to be sent. */
  time: number;
  /** After this (writer's clock) a listed commit that has not landed never will. */
  deadline: number;
  commits: MarkedCommit[];
  /** Indexes of listed commits their writer saw fail for good (so readers need not wait). */
  failed: ReadonlySet<number>;
}

/** Listed commits per marker: keeps a marker entity far below 1 MiB whatever the addresses. */
export const MAX_COMMITS_PER_MARKER = 200;

export const POSITION_PATTERN = /^\d{15}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function positionOf(time: number, id: string): string {
  return `${String(time).padStart(15, '0')}-${id}`;
}

/** The first position at `time`: every marker written at or after it sorts after it. */
export function positionAt(time: number): string {
  return `${String(Math.max(0, time)).padStart(15, '0')}-`;
}

export function timeOfPosition(position: string): number {
  return Number(position.slice(0, 15));
}

/**
 * One-second buckets: a partition only ever holds one second of one shard's markers, so no
 * partition grows large (Azurite looks entities up by scanning their partition) or stays hot.
 */
function bucketOf(time: number): string {
  return new Date(time).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

/** The partition a marker goes to: its shard (from its position) and its second. */
export function markerPartition(position: string, time: number, shards: number): string {
  return `${createHash('sha256').update(position).digest().readUInt32BE(0) % shards}-${bucketOf(time)}`;
}

export interface FeedMarkerStore {
  ready(): Promise<void>;
  write(marker: FeedMarker): Promise<void>;
  /** Removes a marker none of whose commits was sent. */
  remove(marker: FeedMarker): Promise<void>;
  /** Records that a listed commit failed for good; a marker of one commit is simply removed. */
  fail(marker: FeedMarker, index: number): Promise<void>;
  /**
   * Markers after `from` (or at it, when `inclusive`) up to and including `until` (a time), in
   * position order, at most `limit`.
   */
  after(from: string, inclusive: boolean, until: number, limit: number): Promise<FeedMarker[]>;
  /** Deletes every marker older than `before` (a time); returns how many were deleted. */
  purge(before: number): Promise<number>;
}

/**
 * Markers in `<prefix>Feed`, PartitionKey `<shard>-<second>`, RowKey the position. Shards spread
 * the markers of one second over several partitions; a reader queries each shard from the cursor's
 * second on (one range query across its partitions), and merges them by position.
 */
export class TableFeedMarkers implements FeedMarkerStore {
  readonly ready = once(() => ensureTable(this.table));

  constructor(
    private readonly table: TableClient,
    private readonly shards: number,
    private readonly limiter: Limiter,
  ) {}

  private partitionOf(marker: Pick<FeedMarker, 'position' | 'time'>): string {
    return markerPartition(marker.position, marker.time, this.shards);
  }

  async write(marker: FeedMarker): Promise<void> {
    await this.limiter.run(() =>
      storageCall(() =>
        this.table.createEntity({
          partitionKey: this.partitionOf(marker),
          rowKey: marker.position,
          time: marker.time,
          deadline: marker.deadline,
          ...toChunks(asciiJson(marker.commits), 'c'),
        }),
      ),
    );
  }

  async remove(marker: FeedMarker): Promise<void> {
    await this.limiter.run(() =>
      storageCall(
        async () => {
          await this.table.deleteEntity(this.partitionOf(marker), marker.position);
        },
        { 404: () => undefined },
      ),
    );
  }

  async fail(marker: FeedMarker, index: number): Promise<void> {
    if (marker.commits.length === 1) return this.remove(marker);
    await this.limiter.run(() =>
      storageCall(
        async () => {
          await this.table.updateEntity(
            { partitionKey: this.partitionOf(marker), rowKey: marker.position, [`x${index}`]: true },
            'Merge',
          );
        },
        { 404: () => undefined },
      ),
    );
  }

  async after(from: string, inclusive: boolean, until: number, limit: number): Promise<FeedMarker[]> {
    const fromBucket = bucketOf(Math.min(timeOfPosition(from.padEnd(15, '0')), until));
    const last = positionAt(until + 1);
    const perShard = await Promise.all(
      Array.from({ length: this.shards }, (_, shard) => {
        const partitions = odata`PartitionKey ge ${`${shard}-${fromBucket}`} and PartitionKey lt ${`${shard}.`}`;
        const rows = inclusive
          ? odata`RowKey ge ${from} and RowKey lt ${last}`
          : odata`RowKey gt ${from} and RowKey lt ${last}`;
        return this.limiter.run(() => this.first(`${partitions} and ${rows}`, limit));
      }),
    );
    return perShard
      .flat()
      .sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0))
      .slice(0, limit);
  }

  private first(filter: string, limit: number): Promise<FeedMarker[]> {
    return storageCall(async () => {
      const found: FeedMarker[] = [];
      const pages = this.table
        .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
        .byPage({ maxPageSize: Math.min(limit, 1000) });
      for await (const page of pages) {
        for (const entity of page) found.push(toMarker(entity));
        if (found.length >= limit) break;
      }
      return found.slice(0, limit);
    });
  }

  async purge(before: number): Promise<number> {
    const cutoff = bucketOf(before);
    let deleted = 0;
    for (let shard = 0; shard < this.shards; shard++) {
      const filter = odata`PartitionKey ge ${`${shard}-`} and PartitionKey lt ${`${shard}-${cutoff}`}`;
      const byPartition = new Map<string, string[]>();
      await storageCall(async () => {
        const rows = this.table.listEntities<Record<string, unknown>>({
          queryOptions: { filter, select: ['PartitionKey', 'RowKey'] },
        });
        for await (const row of rows) {
          const keys = byPartition.get(row.partitionKey!) ?? [];
          keys.push(row.rowKey!);
          byPartition.set(row.partitionKey!, keys);
        }
      });
      for (const [partitionKey, rowKeys] of byPartition) {
        for (let i = 0; i < rowKeys.length; i += 100) {
          const actions = rowKeys
            .slice(i, i + 100)
            .map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }]);
          await storageCall(async () => {
            await submitTransaction(this.table, actions);
          });
          deleted += actions.length;
        }
      }
    }
    return deleted;
  }
}

function toMarker(entity: Record<string, unknown>): FeedMarker {
  const commits = JSON.parse(fromChunks(entity, 'c') || '[]') as MarkedCommit[];
  const failed = new Set<number>();
  commits.forEach((_, i) => {
    if (entity[`x${i}`] === true) failed.add(i);
  });
  return {
    position: entity.rowKey as string,
    time: Number(entity.time),
    deadline: Number(entity.deadline),
    commits,
    failed,
  };
}
