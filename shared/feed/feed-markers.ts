import { createHash } from 'node:crypto';
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { Limiter } from '../concurrency';
import type { Channel } from '../domain/model';
import { ensureTable, once, storageCall } from '../storage/tables';

/**
 * A feed marker: written before a commit lands in its contact point's partition, it says where the
 * commit will be (partition and history row) and when it may be served. The feed is read across
 * markers in `position` order; the commit itself is the proof that the change happened.
 */
export interface FeedMarker {
  /** `<time, 15 digits>-<commit id>`: the marker's place in the feed, comparable across shards. */
  position: string;
  /** Milliseconds since the epoch: when the commit was about to be sent. */
  time: number;
  /** After this (writer's clock) a commit that has not landed never will. */
  deadline: number;
  commit: string;
  channel: Channel;
  address: string;
  /** The contact point's partition in the consents table, and the commit's history row there. */
  contactKey: string;
  historyRowKey: string;
}

export const POSITION_PATTERN = /^\d{15}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function positionOf(time: number, commit: string): string {
  return `${String(time).padStart(15, '0')}-${commit}`;
}

/** The first position at `time`: every marker written at or after it sorts after it. */
export function positionAt(time: number): string {
  return `${String(Math.max(0, time)).padStart(15, '0')}-`;
}

export function timeOfPosition(position: string): number {
  return Number(position.slice(0, 15));
}

/** Hour buckets: retention drops whole partitions, and no partition takes every write for long. */
function bucketOf(time: number): string {
  return new Date(time).toISOString().slice(0, 13).replace(/[-T]/g, '');
}

export interface FeedMarkerStore {
  ready(): Promise<void>;
  write(marker: FeedMarker): Promise<void>;
  /** Removes the marker of a commit known never to land (best effort: a reader would skip it anyway). */
  remove(marker: FeedMarker): Promise<void>;
  /**
   * Markers after `from` (or at it, when `inclusive`) up to and including `until` (a time), in
   * position order, at most `limit`.
   */
  after(from: string, inclusive: boolean, until: number, limit: number): Promise<FeedMarker[]>;
  /** Deletes every marker older than `before` (a time); returns how many were deleted. */
  purge(before: number): Promise<number>;
}

/**
 * Markers in `<prefix>Feed`, PartitionKey `<shard>-<hour bucket>`, RowKey the position. Shards
 * spread the writes of one hour over several partitions; a reader queries each shard from the
 * cursor's bucket on, and merges them by position.
 */
export class TableFeedMarkers implements FeedMarkerStore {
  readonly ready = once(() => ensureTable(this.table));

  constructor(
    private readonly table: TableClient,
    private readonly shards: number,
    private readonly limiter: Limiter,
  ) {}

  private shardOf(contactKey: string): number {
    return createHash('sha256').update(contactKey).digest().readUInt32BE(0) % this.shards;
  }

  private partitionOf(marker: Pick<FeedMarker, 'contactKey' | 'time'>): string {
    return `${this.shardOf(marker.contactKey)}-${bucketOf(marker.time)}`;
  }

  async write(marker: FeedMarker): Promise<void> {
    const { position, ...fields } = marker;
    await this.limiter.run(() =>
      storageCall(() =>
        this.table.createEntity({ partitionKey: this.partitionOf(marker), rowKey: position, ...fields }),
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

  async after(from: string, inclusive: boolean, until: number, limit: number): Promise<FeedMarker[]> {
    const fromBucket = bucketOf(Math.min(timeOfPosition(from.padEnd(15, '0')), until));
    const last = positionAt(until + 1);
    const perShard = await Promise.all(
      Array.from({ length: this.shards }, (_, shard) => {
        const partitions = odata`PartitionKey ge ${`${shard}-${fromBucket}`} and PartitionKey lt ${`${shard}.`}`;
        const rows = inclusive
          ? odata`RowKey ge ${from} and RowKey lt ${last}`
          : odata`RowKey gt ${from} and RowKey lt ${last}`;
        const filter = `${partitions} and ${rows}`;
        return this.limiter.run(() => this.first(filter, limit));
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
            await this.table.submitTransaction(actions);
          });
          deleted += actions.length;
        }
      }
    }
    return deleted;
  }
}

function toMarker(entity: Record<string, unknown>): FeedMarker {
  return {
    position: entity.rowKey as string,
    time: Number(entity.time),
    deadline: Number(entity.deadline),
    commit: entity.commit as string,
    channel: entity.channel as Channel,
    address: entity.address as string,
    contactKey: entity.contactKey as string,
    historyRowKey: entity.historyRowKey as string,
  };
}
