import type { TableClient } from '@azure/data-tables';
import { ServiceError, StorageUnavailableError } from '../errors';
import { recordStorage } from '../telemetry/consent-metrics';

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
  operation = 'table',
): Promise<T> {
  const started = performance.now();
  try {
    return await call();
  } catch (error) {
    const status = storageStatus(error);
    const fallback = status === undefined ? undefined : handled[status];
    if (fallback) return fallback();
    throw toServiceError(error);
  } finally {
    recordStorage(operation, performance.now() - started);
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
