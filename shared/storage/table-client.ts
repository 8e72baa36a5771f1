import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { Config } from '../config';
import { StorageUnavailableError } from '../errors';
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
