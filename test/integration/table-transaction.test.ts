/*
 * The service's own entity group transactions, against Azurite: what they store reads back through
 * the SDK exactly, and a failing operation rejects with the status the store gave it.
 */
import { RestError } from '@azure/core-rest-pipeline';
import { odata, TableClient } from '@azure/data-tables';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { submitTransaction } from '../../shared/storage/table-transaction';

let table: TableClient;

beforeAll(async () => {
  table = TableClient.fromConnectionString(inject('storageConnection'), `tx${process.pid}`, {
    allowInsecureConnection: true,
  });
  await table.createTable();
});

async function statusOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(RestError);
    return (error as RestError).statusCode;
  }
}

describe('submitTransaction', () => {
  it('creates, replaces and upserts entities whose keys and values need escaping', async () => {
    const partitionKey = "o'brien+x@y ü~!%";
    const binary = new Uint8Array([0, 1, 254, 255]);
    await submitTransaction(table, [
      [
        'create',
        { partitionKey, rowKey: "a'b", text: 'ünï\ncode "quoted"', n: 5, big: 1.7e12, flag: true, binary },
      ],
      ['upsert', { partitionKey, rowKey: 'second', text: 'x' }, 'Replace'],
    ]);
    const first = await table.getEntity<Record<string, unknown>>(partitionKey, "a'b");
    expect(first).toMatchObject({ text: 'ünï\ncode "quoted"', n: 5, big: 1.7e12, flag: true });
    expect(Buffer.from(first.binary as Uint8Array)).toEqual(Buffer.from(binary));

    await submitTransaction(table, [
      ['update', { partitionKey, rowKey: "a'b", text: 'replaced' }, 'Replace', { etag: first.etag }],
      ['upsert', { partitionKey, rowKey: 'third', text: 'y' }, 'Replace'],
    ]);
    const replaced = await table.getEntity<Record<string, unknown>>(partitionKey, "a'b");
    expect(replaced.text).toBe('replaced');
    expect(replaced.n).toBeUndefined();
    expect((await table.getEntity<Record<string, unknown>>(partitionKey, 'third')).text).toBe('y');
  });

  it('rejects with the failing operation’s status and applies none of the transaction', async () => {
    const partitionKey = `p-${Date.now()}`;
    await submitTransaction(table, [['create', { partitionKey, rowKey: 'taken', v: 1 }]]);
    const { etag } = await table.getEntity(partitionKey, 'taken');

    // A create of an existing row: 409, and the other create in the transaction is not applied.
    expect(
      await statusOf(
        submitTransaction(table, [
          ['create', { partitionKey, rowKey: 'fresh', v: 1 }],
          ['create', { partitionKey, rowKey: 'taken', v: 2 }],
        ]),
      ),
    ).toBe(409);
    expect(await statusOf(table.getEntity(partitionKey, 'fresh'))).toBe(404);

    await submitTransaction(table, [
      ['update', { partitionKey, rowKey: 'taken', v: 3 }, 'Replace', { etag }],
    ]);
    // The etag read before that update no longer matches: 412, nothing changes.
    expect(
      await statusOf(
        submitTransaction(table, [
          ['update', { partitionKey, rowKey: 'taken', v: 4 }, 'Replace', { etag }],
          ['create', { partitionKey, rowKey: 'fresh', v: 1 }],
        ]),
      ),
    ).toBe(412);
    expect((await table.getEntity<Record<string, unknown>>(partitionKey, 'taken')).v).toBe(3);
    expect(await statusOf(table.getEntity(partitionKey, 'fresh'))).toBe(404);

    // Updating a row that does not exist: 404.
    expect(
      await statusOf(
        submitTransaction(table, [
          ['update', { partitionKey, rowKey: 'absent', v: 1 }, 'Replace', { etag: '*' }],
        ]),
      ),
    ).toBe(404);
  });

  it('deletes', async () => {
    const partitionKey = `d-${Date.now()}`;
    await submitTransaction(table, [
      ['create', { partitionKey, rowKey: 'a' }],
      ['create', { partitionKey, rowKey: 'b' }],
    ]);
    await submitTransaction(table, [
      ['delete', { partitionKey, rowKey: 'a' }],
      ['delete', { partitionKey, rowKey: 'b' }],
    ]);
    const left = [];
    for await (const row of table.listEntities({
      queryOptions: { filter: odata`PartitionKey eq ${partitionKey}` },
    }))
      left.push(row);
    expect(left).toEqual([]);
  });

  it('answers a store that is not there with a rejection, not a hang', async () => {
    const gone = TableClient.fromConnectionString(
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;',
      'nothing',
      { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } },
    );
    await expect(submitTransaction(gone, [['create', { partitionKey: 'p', rowKey: 'r' }]])).rejects.toThrow();
  });
});
