import type { TableClient } from '@azure/data-tables';
import type { Limiter } from '../concurrency';
import { ensureTable, once, storageCall } from './tables';

/** Where the record with an id lives: its contact point's partition and its key in the state entity. */
export interface IndexedRecord {
  id: string;
  contactKey: string;
  key: string;
}

export interface RecordIndex {
  ready(): Promise<void>;
  /** Idempotent: an id always names the same place. */
  write(entries: readonly IndexedRecord[]): Promise<void>;
  find(id: string): Promise<IndexedRecord | undefined>;
}

/**
 * Record ids are one-way (UUID v5), so `<prefix>RecordIds` maps each id to its record:
 * PartitionKey the id's first three hex digits (4,096 partitions, none hot, none large), RowKey the
 * id. An entry is written before the commit that creates its record; one whose commit failed
 * points at nothing, which a lookup sees as "no such record".
 */
export class TableRecordIndex implements RecordIndex {
  readonly ready = once(() => ensureTable(this.table));

  constructor(
    private readonly table: TableClient,
    private readonly limiter: Limiter,
  ) {}

  async write(entries: readonly IndexedRecord[]): Promise<void> {
    await Promise.all(
      entries.map((entry) =>
        this.limiter.run(() =>
          storageCall(async () => {
            await this.table.upsertEntity(
              {
                partitionKey: entry.id.slice(0, 3),
                rowKey: entry.id,
                contactKey: entry.contactKey,
                key: entry.key,
              },
              'Replace',
            );
          }),
        ),
      ),
    );
  }

  async find(id: string): Promise<IndexedRecord | undefined> {
    const entity = await this.limiter.run(() =>
      storageCall<Record<string, unknown> | undefined>(() => this.table.getEntity(id.slice(0, 3), id), {
        404: () => undefined,
      }),
    );
    return entity && { id, contactKey: String(entity.contactKey), key: String(entity.key) };
  }
}
