/* How the benchmarks measure: rates with a fixed number of callers, sequential latencies, medians. */
import { TableClient, type TableEntity } from '@azure/data-tables';
import { contactPointKey, historyRowKey, STATE_ROW_KEY } from '../../shared/storage/keys';

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
export const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!;

/** Runs `op` with `inFlight` callers until `ms` passes; returns units done per second. */
export async function rate(inFlight: number, ms: number, op: () => Promise<number>): Promise<number> {
  const deadline = performance.now() + ms;
  const started = performance.now();
  let units = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        const done = await op(); // not `units += await op()`: that reads `units` before the await
        units += done;
      }
    }),
  );
  return units / ((performance.now() - started) / 1000);
}

/** Milliseconds of each of `n` sequential calls. */
export async function latencies(n: number, op: () => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await op();
    times.push(performance.now() - started);
  }
  return times;
}

export function client(connection: string, table: string): TableClient {
  return TableClient.fromConnectionString(connection, table, { allowInsecureConnection: true });
}

type Entity = TableEntity<Record<string, unknown>>;

/**
 * What the service stored for one request of `BATCH_SIZE` new contact points, read back raw: the
 * state and history entities of one of them and the request's feed marker (listing every commit).
 */
export async function storedShape(connection: string, prefix: string, cp: string) {
  const consents = client(connection, `${prefix}Consents`);
  const pk = contactPointKey('email', cp);
  const strip = ({ etag: _e, timestamp: _t, ...rest }: Record<string, unknown>) => rest as Entity;
  const state = strip(await consents.getEntity(pk, STATE_ROW_KEY));
  const history = strip(await consents.getEntity(pk, historyRowKey(1)));
  let marker: Entity | undefined;
  for await (const m of client(connection, `${prefix}Feed`).listEntities()) marker = strip(m);
  return { state, history, marker };
}

/** Maps with at most `limit` calls in flight, as the service does per request. */
export async function inFlight<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
