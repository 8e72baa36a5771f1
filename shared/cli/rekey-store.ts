/*
 * `npm run rekey -- --from <prefix> --to <prefix>`
 * Moves a consent store written before contact points were keyed with the subject key (partitions
 * named by an unkeyed SHA-256 of the address) to the keyed layout: into new tables, so the source is
 * left as it was (switching back is changing CONSENT_TABLE_PREFIX back). The storage README says
 * when and how to run it.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { getConfig, type Config } from '../config';
import type { Channel } from '../domain/model';
import { TableCatalogStore } from '../storage/catalog-store';
import { contactPointKey, HISTORY_ROW_END, HISTORY_ROW_PREFIX, STATE_ROW_KEY } from '../storage/keys';
import { ensureTable } from '../storage/storage-call';
import { subjectKeyFingerprint, subjectOf, useSubjectKey } from '../storage/subject-key';
import { createTableClient, tableName } from '../storage/table-client';
import { submitTransaction } from '../storage/table-transaction';
import { mapLimit } from '../utils/map-limit';

const USAGE = `Usage: npm run rekey -- --from <prefix> --to <prefix> [--concurrency <n>]

  --from <prefix>       table prefix of the store written before the keyed layout
  --to <prefix>         table prefix of the new store (its tables are created; use it as
                        CONSENT_TABLE_PREFIX afterwards)
  --concurrency <n>     contact points copied at once, 1..64 (default 8)

The storage connection and SUBJECT_KEY are read as the service reads them (AzureWebJobsStorage or
CONSENT_STORAGE); without SUBJECT_KEY the new store generates its key. Stop writes to the source
first. Running it again copies only what the new tables do not have yet: a contact point written or
erased there since is never set back. The change feed is not copied.
Exit codes: 0 copied, 1 failed, 2 bad arguments.`;

/** Rows that name the source's own key and must not move with the settings. */
const KEY_ROWS = new Set(['subjectKey', 'subjectKeyCheck']);

type Row = Record<string, unknown> & { partitionKey?: string; rowKey?: string };

/** An entity as read, without what the store adds (ETag, Timestamp): ready to write elsewhere. */
function copyable(entity: Row): Row & { partitionKey: string; rowKey: string } {
  const {
    etag: _etag,
    timestamp: _timestamp,
    ...rest
  } = entity as Row & { etag?: unknown; timestamp?: unknown };
  return rest as Row & { partitionKey: string; rowKey: string };
}

export interface RekeySummary {
  contactPoints: number;
  historyRows: number;
  configRows: number;
}

export async function rekey(
  config: Config,
  from: string,
  to: string,
  concurrency = 8,
): Promise<RekeySummary> {
  const table = (prefix: string, suffix: string) =>
    createTableClient(
      { ...config, CONSENT_TABLE_PREFIX: prefix },
      tableName({ ...config, CONSENT_TABLE_PREFIX: prefix }, suffix),
    );
  const source = { config: table(from, 'Config'), consents: table(from, 'Consents') };
  const target = { config: table(to, 'Config'), consents: table(to, 'Consents') };
  await ensureTable(target.consents);

  // The new store's key, kept (or checked) as the service keeps it.
  const catalog = new TableCatalogStore(target.config);
  await catalog.ready();
  const key = config.SUBJECT_KEY ?? (await catalog.subjectKey(randomBytes(32).toString('base64url')));
  const fingerprint = subjectKeyFingerprint(key);
  if ((await catalog.subjectKeyCheck(fingerprint)) !== fingerprint)
    throw new Error(`SUBJECT_KEY is not the key the tables "${to}" were written with.`);
  useSubjectKey(key);

  // Profiles, settings, their versions and the link key, as they are.
  let configRows = 0;
  for await (const row of source.config.listEntities<Row>()) {
    if (KEY_ROWS.has(row.rowKey!)) continue;
    await target.config.upsertEntity(copyable(row), 'Replace');
    configRows++;
  }

  const states: Row[] = [];
  const filter = odata`RowKey eq ${STATE_ROW_KEY}`;
  for await (const state of source.consents.listEntities<Row>({ queryOptions: { filter } })) {
    if (typeof state.address !== 'string') {
      throw new Error(
        `An erased contact point (${state.partitionKey}) holds no address, so it cannot be re-keyed: ` +
          'this tool moves stores written before erasure existed.',
      );
    }
    states.push(state);
  }
  const copied = await mapLimit(states, concurrency, (state) =>
    copyContactPoint(source.consents, target.consents, state),
  );
  return { contactPoints: states.length, historyRows: copied.reduce((a, b) => a + b, 0), configRows };
}

/** One contact point into its keyed partition: history first, its state last (a reader never sees a state without its history). */
async function copyContactPoint(source: TableClient, target: TableClient, state: Row): Promise<number> {
  const channel = state.channel as Channel;
  const address = state.address as string;
  const partitionKey = contactPointKey(channel, address);
  const existing = await target.getEntity<Row>(partitionKey, STATE_ROW_KEY).catch(() => undefined);
  if (existing) {
    const same =
      typeof existing.address === 'string'
        ? existing.address === address
        : existing.subject === subjectOf(channel, address);
    if (!same)
      throw new Error(`Two contact points map to one key under the new subject key (${partitionKey}).`);
    // Copied before, and written (or erased) on the new tables since: never set back.
    if (Number(existing.sequence ?? 0) >= Number(state.sequence ?? 0)) return 0;
  }
  const filter = odata`PartitionKey eq ${state.partitionKey!} and RowKey ge ${HISTORY_ROW_PREFIX} and RowKey lt ${HISTORY_ROW_END}`;
  const rows: Array<ReturnType<typeof copyable>> = [];
  for await (const row of source.listEntities<Row>({ queryOptions: { filter } })) {
    // History rows now name their contact point (the change feed serves it from there).
    rows.push({ ...copyable(row), partitionKey, channel, address });
  }
  for (let i = 0; i < rows.length; i += 100) {
    const actions = rows.slice(i, i + 100).map((row): TransactionAction => ['upsert', row, 'Replace']);
    await submitTransaction(target, actions);
  }
  await target.upsertEntity({ ...copyable(state), partitionKey }, 'Replace');
  return rows.length;
}

export async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        concurrency: { type: 'string', default: '8' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`rekey: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const concurrency = Number(values.concurrency);
  const prefix = /^[A-Za-z][A-Za-z0-9]{0,40}$/;
  if (
    !values.from ||
    !values.to ||
    !prefix.test(values.from) ||
    !prefix.test(values.to) ||
    values.from === values.to
  ) {
    process.stderr.write(
      `rekey: --from and --to are two different table prefixes (letters and digits)\n${USAGE}\n`,
    );
    return 2;
  }
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    process.stderr.write(`rekey: --concurrency is 1..64\n`);
    return 2;
  }
  try {
    const started = performance.now();
    const summary = await rekey(getConfig(), values.from, values.to, concurrency);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `Re-keyed ${summary.contactPoints} contact points (${summary.historyRows} history rows) and ` +
        `${summary.configRows} settings rows from "${values.from}" to "${values.to}" in ${seconds.toFixed(1)} s.\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`rekey: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`rekey: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
