import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { Config } from '../config';
import { ServiceError, StorageUnavailableError } from '../errors';
import { resolveConnectionString } from './development-storage';
import { tokenCredentialFor } from './token-credential';

export { resolveConnectionString, tableEndpointOf } from './development-storage';

export function createTableClient(config: Config, tableName: string): TableClient {
  const options: TableServiceClientOptions = {
    allowInsecureConnection: true,
    // A dead store must fail in bounded time: few, short retries and a per-try timeout.
    retryOptions: { maxRetries: config.STORAGE_MAX_RETRIES, retryDelayInMs: 100, maxRetryDelayInMs: 1000 },
    additionalPolicies: [
      {
        position: 'perRetry',
        policy: {
          name: 'consentStorageTimeout',
          sendRequest: (request, next) => {
            request.timeout = config.STORAGE_TIMEOUT_MS;
            return next(request);
          },
        },
      },
    ],
    userAgentOptions: { userAgentPrefix: 'consent-service' },
  };
  const storage = config.consentStorage;
  try {
    return storage.kind === 'connectionString'
      ? TableClient.fromConnectionString(
          resolveConnectionString(storage.connectionString),
          tableName,
          options,
        )
      : new TableClient(storage.tableServiceUri, tableName, tokenCredentialFor(storage, config), options);
  } catch {
    throw new StorageUnavailableError(`The storage connection (${storage.setting}) cannot be used.`);
  }
}

export function tableName(config: Config, suffix: string): string {
  return `${config.CONSENT_TABLE_PREFIX}${suffix}`;
}

/** The HTTP status a storage call failed with, if the service answered at all. */
export function storageStatus(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'statusCode' in error) {
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number') return status;
  }
  return undefined;
}

/**
 * The one place storage SDK errors are translated: anything the caller has not handled by status
 * code becomes "storage unavailable", so no SDK error, URL or key ever leaks past the storage module.
 */
export function toServiceError(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  return new StorageUnavailableError();
}

/** Runs a storage call, mapping failures by status: `handled` returns a value for the statuses it knows. */
export async function storageCall<T>(
  call: () => Promise<T>,
  handled: Partial<Record<number, () => T>> = {},
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = storageStatus(error);
    const fallback = status === undefined ? undefined : handled[status];
    if (fallback) return fallback();
    throw toServiceError(error);
  }
}

/**
 * A preparation (tables, seeds) done once and shared by every caller; after a failure the next
 * caller tries again, so the service recovers by itself when storage comes back.
 */
export function once(prepare: () => Promise<void>): () => Promise<void> {
  let readiness: Promise<void> | undefined;
  return () => {
    readiness ??= prepare().catch((error: unknown) => {
      readiness = undefined;
      throw error;
    });
    return readiness;
  };
}

/** Creates a table if it is missing (409 means it already exists). */
export async function ensureTable(client: TableClient): Promise<void> {
  await storageCall(() => client.createTable(), { 409: () => undefined });
}

/** Splits a long string into chunks that each fit one Table Storage string property (64 KiB UTF-16). */
export const CHUNK_CHARS = 30_000;

/** JSON with every non-ASCII character escaped, so chunk boundaries never split a surrogate pair. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function toChunks(text: string, prefix: string): Record<string, string> {
  const chunks: Record<string, string> = {};
  for (let i = 0, n = 0; i < text.length || n === 0; i += CHUNK_CHARS, n++) {
    chunks[`${prefix}${n}`] = text.slice(i, i + CHUNK_CHARS);
  }
  return chunks;
}

export function fromChunks(entity: Record<string, unknown>, prefix: string): string {
  let text = '';
  for (let n = 0; typeof entity[`${prefix}${n}`] === 'string'; n++) text += entity[`${prefix}${n}`] as string;
  return text;
}
