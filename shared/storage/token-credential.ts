import type { TokenCredential } from '@azure/identity';
import type { Config, StorageConnection } from '../config';

type IdentityConnection = Extract<StorageConnection, { kind: 'identity' }>;

const credentials = new WeakMap<IdentityConnection, TokenCredential>();

/**
 * The credential of an identity-based connection, as the Functions host builds it from the same
 * settings: `__credential=managedidentity` is ManagedIdentityCredential (the user-assigned identity
 * `__clientId` names, else the system-assigned one); without it, DefaultAzureCredential.
 *
 * One per connection and process, so every table client shares its token cache. `@azure/identity`
 * is loaded on the first token request: connection-string deployments never pay for it at start-up.
 */
export function tokenCredentialFor(
  connection: IdentityConnection,
  config: Pick<Config, 'STORAGE_MAX_RETRIES'>,
): TokenCredential {
  let credential = credentials.get(connection);
  if (credential) return credential;
  let loaded: Promise<TokenCredential> | undefined;
  const load = () =>
    (loaded ??= import('@azure/identity').then((identity) => {
      // Token requests fail in bounded time too: as many retries as storage requests get.
      const retryOptions = { maxRetries: config.STORAGE_MAX_RETRIES };
      return connection.credential === 'managedidentity'
        ? new identity.ManagedIdentityCredential({
            ...(connection.clientId ? { clientId: connection.clientId } : {}),
            retryOptions,
          })
        : new identity.DefaultAzureCredential({ retryOptions });
    }));
  credential = { getToken: async (scopes, options) => (await load()).getToken(scopes, options) };
  credentials.set(connection, credential);
  return credential;
}
