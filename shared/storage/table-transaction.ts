import { randomUUID } from 'node:crypto';
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  RestError,
  type HttpClient,
} from '@azure/core-rest-pipeline';
import type { TableClient, TableEntity, TransactionAction } from '@azure/data-tables';

let httpClient: HttpClient | undefined;

const LINE = '\r\n';

/**
 * Sends a Table Storage entity group transaction (the OData `$batch` the SDK's `submitTransaction`
 * sends, byte for byte the same protocol) through the table client's own pipeline, so
 * authentication, retries and timeouts are the client's. The SDK builds a whole client and runs
 * each operation through its pipeline just to serialize it; on the write path that was most of the
 * service's own CPU per commit. A failed operation rejects with a `RestError` carrying its status
 * (409, 412, 404...), as the SDK's does.
 */
export async function submitTransaction(
  table: TableClient,
  actions: readonly TransactionAction[],
): Promise<void> {
  if (actions.length === 0) return;
  const account = new URL(table.url);
  const query = account.search;
  account.search = '';
  const base = account.toString().replace(/\/$/, '');
  const tableUrl = `${base}/${table.tableName}`;
  const batch = `batch_${randomUUID()}`;
  const changeset = `changeset_${randomUUID()}`;
  const parts: string[] = [
    `--${batch}${LINE}content-type: multipart/mixed; boundary=${changeset}${LINE}${LINE}`,
  ];
  for (const action of actions) parts.push(`--${changeset}${LINE}${operation(tableUrl, action)}`);
  const body = `${parts.join(LINE)}${LINE}--${changeset}--${LINE}--${batch}--${LINE}`;
  const request = createPipelineRequest({
    url: `${base}/$batch${query}`,
    method: 'POST',
    body,
    headers: createHttpHeaders({
      accept: 'application/json',
      'x-ms-version': '2019-02-02',
      DataServiceVersion: '3.0;',
      MaxDataServiceVersion: '3.0;NetFx',
      'Content-Type': `multipart/mixed; boundary=${batch}`,
      'Accept-Charset': 'UTF-8',
    }),
    allowInsecureConnection: account.protocol === 'http:',
  });
  httpClient ??= createDefaultHttpClient();
  const response = await table.pipeline.sendRequest(httpClient, request);
  const text = response.bodyAsText ?? '';
  if (response.status < 200 || response.status >= 300) throw failure(text, response.status);
  for (const part of text.split('--changesetresponse_').slice(1, -1)) {
    const status = Number(/HTTP\/1\.1 (\d{3})/.exec(part)?.[1]);
    if (!Number.isInteger(status))
      throw new RestError('Unreadable transaction response', { statusCode: 500 });
    if (status < 200 || status >= 300) throw failure(/\{.*\}/s.exec(part)?.[0] ?? '', status);
  }
}

function operation(tableUrl: string, action: TransactionAction): string {
  const [kind, entity] = action;
  const entityUrl = `${tableUrl}(PartitionKey='${key(entity.partitionKey)}',RowKey='${key(entity.rowKey)}')`;
  const head = `content-type: application/http${LINE}content-transfer-encoding: binary${LINE}${LINE}`;
  switch (kind) {
    case 'create':
      return (
        `${head}POST ${tableUrl} HTTP/1.1${LINE}Content-Type: application/json;odata=nometadata${LINE}` +
        `Accept: application/json;odata=minimalmetadata${LINE}DataServiceVersion: 3.0${LINE}` +
        `Prefer: return-no-content${LINE}${LINE}${LINE}${serialize(entity)}`
      );
    case 'delete':
      return (
        `${head}DELETE ${entityUrl} HTTP/1.1${LINE}Accept: application/json${LINE}` +
        `DataServiceVersion: 3.0${LINE}If-Match: *${LINE}${LINE}${LINE}`
      );
    case 'update':
    case 'upsert': {
      const mode = action[2] ?? 'Merge';
      const etag = kind === 'update' ? (action[3]?.etag ?? '*') : undefined;
      return (
        `${head}${mode === 'Replace' ? 'PUT' : 'MERGE'} ${entityUrl} HTTP/1.1${LINE}` +
        `Content-Type: application/json${LINE}DataServiceVersion: 3.0${LINE}Accept: application/json${LINE}` +
        (etag ? `If-Match: ${etag}${LINE}` : '') +
        `${LINE}${LINE}${serialize(entity)}`
      );
    }
  }
}

/** A key inside an OData entity address: quotes doubled, then URL-encoded. */
function key(value: string): string {
  return encodeURIComponent(value.replace(/'/g, "''"));
}

/** An entity as the service reads it: typed values carry their `@odata.type`. */
function serialize(entity: TableEntity<Record<string, unknown>>): string {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(entity)) {
    const property = name === 'partitionKey' ? 'PartitionKey' : name === 'rowKey' ? 'RowKey' : name;
    if (value instanceof Uint8Array) {
      out[property] = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
      out[`${property}@odata.type`] = 'Edm.Binary';
    } else if (value instanceof Date) {
      out[property] = value.toISOString();
      out[`${property}@odata.type`] = 'Edm.DateTime';
    } else if (typeof value === 'bigint') {
      out[property] = value.toString();
      out[`${property}@odata.type`] = 'Edm.Int64';
    } else if (
      value === undefined ||
      value === null ||
      ['string', 'number', 'boolean'].includes(typeof value)
    ) {
      out[property] = value;
    } else {
      throw new TypeError(`Property ${name} has a type this service does not store.`);
    }
  }
  return JSON.stringify(out);
}

function failure(body: string, statusCode: number): RestError {
  let message = 'Transaction failed';
  let code: string | undefined;
  try {
    const error = (JSON.parse(body) as { 'odata.error'?: { code?: string; message?: { value?: string } } })[
      'odata.error'
    ];
    message = error?.message?.value ?? message;
    code = error?.code;
  } catch {
    // No readable body: the status says enough.
  }
  return new RestError(message, { code, statusCode });
}
