import type { TableClient } from '@azure/data-tables';
import { ensureTable, once, storageCall } from '../storage/storage-call';
import { addTotals, emptyTotals, type HourTotals, type Totals } from './activity-counters';

/**
 * Each instance's totals per hour, one entity per (hour, instance): an instance only ever replaces
 * its own rows, so flushes never contend; a read sums the instances.
 */
export class StatsStore {
  constructor(private readonly table: TableClient) {
    this.ready = once(() => ensureTable(table));
  }

  /** Creates the table once (a failure is tried again by the next caller). */
  readonly ready: () => Promise<void>;

  async save(instanceId: string, hours: HourTotals): Promise<void> {
    await this.ready();
    for (const [hour, profiles] of hours) {
      const totals = Object.fromEntries(profiles);
      await storageCall(() =>
        this.table.upsertEntity(
          { partitionKey: `h:${hour}`, rowKey: instanceId, totals: JSON.stringify(totals) },
          'Replace',
        ),
      );
    }
  }

  /**
   * Totals per hour in [from, to), every instance added up, by profile; for the hours in `own`,
   * `instanceId`'s stored row is replaced by those (its newest counts, not yet stored).
   */
  async read(from: string, to: string, instanceId: string, own: HourTotals): Promise<HourTotals> {
    await this.ready();
    const out: HourTotals = new Map();
    const add = (hour: string, profiles: Iterable<[string, Totals]>) => {
      if (hour < from || hour >= to) return;
      const into = out.get(hour) ?? new Map<string, Totals>();
      for (const [profileId, totals] of profiles)
        into.set(profileId, addTotals(into.get(profileId) ?? emptyTotals(), totals));
      out.set(hour, into);
    };
    await storageCall(async () => {
      const filter = `PartitionKey ge 'h:${from}' and PartitionKey lt 'h:${to}'`;
      for await (const e of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
        const hour = e.partitionKey!.slice(2);
        if (e.rowKey === instanceId && own.has(hour)) continue;
        add(hour, Object.entries(JSON.parse(e.totals as string) as Record<string, Totals>));
      }
    });
    for (const [hour, profiles] of own) add(hour, profiles);
    return out;
  }
}
