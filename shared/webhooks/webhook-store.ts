import type { TableClient } from '@azure/data-tables';
import { ConflictError } from '../errors';
import { ensureTable, once, storageCall } from '../storage/storage-call';
import { WriteConflict } from '../storage/write-conflict';

/** Which changes a subscription receives (every field: any of the values; absent: all). */
export interface WebhookFilter {
  channels?: string[];
  profileIds?: string[];
  sources?: string[];
  excludeActors?: string[];
}

export interface Subscription {
  id: string;
  url: string;
  secret: string;
  filter: WebhookFilter;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Where a subscription's deliveries stand: kept in storage, so they survive restarts. */
export interface RelayState {
  /** The feed cursor of the page being delivered ('' before the first). */
  cursor: string;
  /** Ids of the changes of that page already delivered (or dead-lettered, or filtered out). */
  done: string[];
  attempts: number;
  firstFailureAt?: number | undefined;
  nextAttemptAt?: number | undefined;
  lastError?: string | undefined;
  deadLetters: number;
  delivered: number;
  /** Who relays it, and until when (a lease: two instances never deliver to it at once). */
  leaseOwner?: string | undefined;
  leaseUntil?: number | undefined;
}

export interface DeadLetter {
  changeId: string;
  at: string;
  error: string;
  event: string;
}

const SUB = 'sub';
const RELAY = 'relay';
const dead = (id: string) => `dead:${id}`;

/** Subscriptions, their relay state and dead letters, in one table (its own partitions each). */
export class WebhookStore {
  constructor(private readonly table: TableClient) {
    this.ready = once(() => ensureTable(table));
  }

  /** Creates the table once (a failure is tried again by the next caller). */
  readonly ready: () => Promise<void>;

  /** Every subscription; none while the table does not exist (the relay's timer creates nothing). */
  async list(): Promise<Subscription[]> {
    return storageCall(
      async () => {
        const out: Subscription[] = [];
        for await (const e of this.table.listEntities<Record<string, unknown>>({
          queryOptions: { filter: `PartitionKey eq '${SUB}'` },
        }))
          out.push(subscriptionOf(e));
        return out;
      },
      { 404: () => [] },
    );
  }

  async get(id: string): Promise<Subscription | undefined> {
    await this.ready();
    return storageCall(
      async () => subscriptionOf(await this.table.getEntity<Record<string, unknown>>(SUB, id)),
      { 404: () => undefined },
    );
  }

  async put(subscription: Subscription, create: boolean): Promise<void> {
    await this.ready();
    const entity = {
      partitionKey: SUB,
      rowKey: subscription.id,
      url: subscription.url,
      secret: subscription.secret,
      filter: JSON.stringify(subscription.filter),
      enabled: subscription.enabled,
      createdAt: subscription.createdAt,
      updatedAt: subscription.updatedAt,
    };
    const conflict = () => {
      throw new ConflictError('The subscription was created at the same time; read it and try again.');
    };
    await storageCall(
      () => (create ? this.table.createEntity(entity) : this.table.upsertEntity(entity, 'Replace')),
      { 409: conflict },
    );
  }

  async remove(id: string): Promise<void> {
    await this.ready();
    const gone = () => undefined;
    await storageCall(() => this.table.deleteEntity(SUB, id), { 404: gone });
    await storageCall(() => this.table.deleteEntity(RELAY, id), { 404: gone });
    for (const letter of await this.deadLetters(id))
      await storageCall(() => this.table.deleteEntity(dead(id), letter.changeId), { 404: gone });
  }

  async state(id: string): Promise<{ state: RelayState; etag: string | undefined }> {
    await this.ready();
    return storageCall<{ state: RelayState; etag: string | undefined }>(
      async () => {
        const e = await this.table.getEntity<Record<string, unknown>>(RELAY, id);
        return { state: JSON.parse(e.state as string) as RelayState, etag: e.etag };
      },
      {
        404: () => ({
          state: { cursor: '', done: [], attempts: 0, deadLetters: 0, delivered: 0 },
          etag: undefined,
        }),
      },
    );
  }

  /** Saves the relay state on the one it was read as: a WriteConflict if another instance wrote since. */
  async saveState(id: string, state: RelayState, etag: string | undefined): Promise<string> {
    const entity = { partitionKey: RELAY, rowKey: id, state: JSON.stringify(state) };
    const conflict = () => {
      throw new WriteConflict();
    };
    const result = await storageCall(
      () =>
        etag === undefined
          ? this.table.createEntity(entity)
          : this.table.updateEntity(entity, 'Replace', { etag }),
      { 404: conflict, 409: conflict, 412: conflict },
    );
    return result.etag!;
  }

  async addDeadLetter(id: string, letter: DeadLetter): Promise<void> {
    await storageCall(() =>
      this.table.upsertEntity({ partitionKey: dead(id), rowKey: letter.changeId, ...letter }, 'Replace'),
    );
  }

  async deadLetters(id: string): Promise<DeadLetter[]> {
    await this.ready();
    return storageCall(async () => {
      const out: DeadLetter[] = [];
      for await (const e of this.table.listEntities<Record<string, unknown>>({
        queryOptions: { filter: `PartitionKey eq '${dead(id).replace(/'/g, "''")}'` },
      }))
        out.push({
          changeId: e.rowKey!,
          at: e.at as string,
          error: e.error as string,
          event: e.event as string,
        });
      return out;
    });
  }

  async removeDeadLetter(id: string, changeId: string): Promise<void> {
    await storageCall(() => this.table.deleteEntity(dead(id), changeId), { 404: () => undefined });
  }
}

function subscriptionOf(e: Record<string, unknown>): Subscription {
  return {
    id: e.rowKey as string,
    url: e.url as string,
    secret: e.secret as string,
    filter: JSON.parse((e.filter as string) || '{}') as WebhookFilter,
    enabled: e.enabled !== false,
    createdAt: e.createdAt as string,
    updatedAt: e.updatedAt as string,
  };
}
