import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';

/** A link signing key's id: short, so tokens stay short. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,16}$/;

const intSetting = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** A storage connection: a connection string, or identity-based settings under `<name>__`. */
const connectionString = z.string().trim().min(1).optional();
const accountName = z
  .string()
  .regex(/^[a-z0-9]{3,24}$/, 'a storage account name: 3 to 24 lower-case letters and digits')
  .optional();
const tableServiceUri = z
  // Bearer tokens are only ever sent over TLS.
  .url({ protocol: /^https$/, error: 'an https URL, e.g. https://<account>.table.core.windows.net' })
  .refine((url) => !/[?#]/.test(url), 'no query or fragment')
  .transform((url) => url.replace(/\/+$/, ''))
  .optional();
const credential = z
  .string()
  .refine(
    (value) => value.toLowerCase() === 'managedidentity',
    "only 'managedidentity' is supported; leave it unset for the default credential chain",
  )
  .optional();
const clientId = z.guid('the client ID (a GUID) of a user-assigned managed identity').optional();
/** Host-only endpoints: the Functions host uses them for its own blobs and queues, never for tables. */
const hostEndpoint = z.string().optional();

const configSchema = z.object({
  AzureWebJobsStorage: connectionString,
  AzureWebJobsStorage__accountName: accountName,
  AzureWebJobsStorage__tableServiceUri: tableServiceUri,
  AzureWebJobsStorage__credential: credential,
  AzureWebJobsStorage__clientId: clientId,
  AzureWebJobsStorage__blobServiceUri: hostEndpoint,
  AzureWebJobsStorage__queueServiceUri: hostEndpoint,
  AzureWebJobsStorage__serviceUri: hostEndpoint,
  /** Consent data somewhere else than the host's own storage; AzureWebJobsStorage when unset. */
  CONSENT_STORAGE: connectionString,
  CONSENT_STORAGE__accountName: accountName,
  CONSENT_STORAGE__tableServiceUri: tableServiceUri,
  CONSENT_STORAGE__credential: credential,
  CONSENT_STORAGE__clientId: clientId,
  CONSENT_TABLE_PREFIX: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]{0,39}$/, 'letters and digits, starting with a letter, at most 40')
    .default('consent'),
  DEFAULT_PHONE_REGION: z
    .string()
    .transform((s) => s.trim().toUpperCase())
    .refine((s) => isSupportedCountry(s), 'an ISO 3166-1 alpha-2 region that has phone numbers, e.g. US')
    .default('US'),
  PROFILE_CACHE_SECONDS: intSetting(5, 0, 300),
  STORAGE_TIMEOUT_MS: intSetting(5000, 100, 120000),
  STORAGE_MAX_RETRIES: intSetting(2, 0, 10),
  STORAGE_CONCURRENCY: intSetting(32, 1, 256),
  STORAGE_MAX_IN_FLIGHT: intSetting(128, 1, 4096),
  /** Days changes stay in the feed; 0 turns the change feed off (no markers are written). */
  CHANGE_FEED_DAYS: intSetting(30, 0, 3650),
  /** How long a change waits before the feed serves it (see the README, "Change feed"). */
  CHANGE_FEED_SETTLE_SECONDS: intSetting(5, 2, 300),
  CHANGE_FEED_SHARDS: intSetting(4, 1, 64),
  /**
   * A commit not landed this long after its feed marker never will: readers pass its marker over.
   * It must outlast every retry of a commit request (checked below).
   */
  CHANGE_FEED_COMMIT_DEADLINE_SECONDS: intSetting(60, 1, 3600),
  /** Days a double opt-in's confirmation link stays valid. */
  CONFIRMATION_DAYS: intSetting(7, 1, 90),
  /** When the feed's retention runs (NCRONTAB, UTC): hourly by default. */
  CHANGE_FEED_PURGE_SCHEDULE: z.string().default('0 17 * * * *'),
  /** Webhooks may target private, loopback and link-local addresses (tests, private networks only). */
  WEBHOOK_ALLOW_PRIVATE: z.stringbool().default(false),
  /** How long failing webhook deliveries are retried before they are dead-lettered (24 hours). */
  WEBHOOK_RETRY_SECONDS: intSetting(86_400, 1, 30 * 86_400),
  /** How long a webhook receiver has to answer. */
  WEBHOOK_TIMEOUT_SECONDS: intSetting(10, 1, 60),
  /**
   * How long an instance holds a subscription's lease unless it renews it (each delivery does):
   * longer than a delivery may take, so a slow receiver never makes two instances deliver at once.
   */
  WEBHOOK_LEASE_SECONDS: intSetting(30, 2, 600),
  /** When the relay delivers (NCRONTAB, UTC): every five seconds by default. */
  WEBHOOK_RELAY_SCHEDULE: z.string().default('*/5 * * * * *'),
  /** The least time between two stores of an instance's activity counters (a minute). */
  STATS_FLUSH_SECONDS: intSetting(60, 1, 3600),
  /** When an instance stores its activity counters (NCRONTAB): every minute. */
  STATS_FLUSH_SCHEDULE: z.string().default('30 * * * * *'),
  /** An Event Grid topic that gets every change as a CloudEvent too; its key, or the app's identity. */
  EVENT_GRID_TOPIC_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  EVENT_GRID_TOPIC_KEY: z.string().min(1).optional(),
  /** Telemetry: Application Insights, or any OTLP collector (traces and metrics). */
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().min(1).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_METRIC_EXPORT_INTERVAL: intSetting(60_000, 100, 3_600_000),
  OTEL_SERVICE_NAME: z.string().min(1).max(100).default('consent-service'),
  /** Set by App Service: the instance, as leases and stored counters name it. */
  WEBSITE_INSTANCE_ID: z.string().optional(),
  /** When erasures a failure left half-done are finished (NCRONTAB, UTC): every ten minutes by default. */
  SUBJECTS_SWEEP_SCHEDULE: z.string().default('0 */10 * * * *'),
  /**
   * Where people and providers reach this service (links, webhook signatures); when unset,
   * `https://$WEBSITE_HOSTNAME` in Azure, else the address the request came to.
   */
  PUBLIC_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  /**
   * `kid:secret,kid:secret`: the first signs new links, every one is accepted (rotation). When unset,
   * a key is generated once and kept in the config table.
   */
  LINK_SIGNING_KEYS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return undefined;
      const keys = text.split(',').map((entry) => {
        const colon = entry.indexOf(':');
        return { id: entry.slice(0, colon).trim(), secret: colon < 0 ? '' : entry.slice(colon + 1).trim() };
      });
      for (const key of keys) {
        if (!KEY_ID_PATTERN.test(key.id) || key.secret.length < 32) {
          ctx.addIssue({
            code: 'custom',
            message:
              'each key is kid:secret, kid of 1-16 letters, digits, . _ -, secret of at least 32 characters',
          });
          return z.NEVER;
        }
      }
      if (new Set(keys.map((k) => k.id)).size !== keys.length) {
        ctx.addIssue({ code: 'custom', message: 'a key id is listed twice' });
        return z.NEVER;
      }
      return keys;
    }),
  /**
   * The Twilio auth token that signs inbound text message webhooks; during a rotation the old and
   * the new one, separated by a comma. Unset: every Twilio request is refused (403).
   */
  TWILIO_AUTH_TOKEN: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((token) => token.trim())
        .filter((token) => token !== ''),
    )
    .optional(),
  /**
   * The SendGrid Event Webhook's verification key (base64 DER, as SendGrid shows it); during a
   * rotation the old and the new one, separated by a comma. Unset: every SendGrid delivery is 403.
   */
  SENDGRID_WEBHOOK_PUBLIC_KEY: z
    .string()
    .transform((list, ctx) => {
      const keys = list
        .split(',')
        .map((key) => key.trim())
        .filter((key) => key !== '');
      try {
        const parsed = keys.map((key) =>
          createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' }),
        );
        if (parsed.some((key) => key.asymmetricKeyType !== 'ec')) throw new Error('not EC');
        return parsed;
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'the SendGrid verification key, base64 of an EC public key',
        });
        return z.NEVER;
      }
    })
    .optional(),
  /** Set by App Service to the app's host name. */
  WEBSITE_HOSTNAME: z.string().optional(),
  /**
   * Set by App Service when its authentication (Easy Auth) is on: only then does the platform put
   * X-MS-CLIENT-PRINCIPAL on requests (and strip any a client sends), so only then is it trusted.
   */
  WEBSITE_AUTH_ENABLED: z.stringbool().default(false),
  LOCAL_FUNCTION_KEY: z.string().optional(),
  /** The Functions host's own body limit (100 MB unless set); the service enforces smaller ones. */
  FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: intSetting(104_857_600, 1, 2_147_483_647),
  PORT: intSetting(7071, 0, 65535),
  AZURITE_LOCATION: z.string().default('.azurite'),
  /** Local host only: serve the function app in this folder (an unpacked package) instead of the project. */
  FUNCTIONS_APP_ROOT: z.string().trim().min(1).optional(),
  /**
   * Testing aid: shift this instance's clock, to prove the feed under clock skew between instances
   * and to see links lapse (up to ten years either way).
   */
  LOCAL_CLOCK_OFFSET_MS: z.coerce.number().int().min(-315_360_000_000).max(315_360_000_000).default(0),
  /** Set by tools that start the local host: exit when the parent closes our stdin. */
  EXIT_WITH_STDIN: z.stringbool().default(false),
  /**
   * Who may call the key routes: `keys` (function keys, the host checks them) or `entra` (Microsoft
   * Entra ID bearer tokens, or App Service's principal, with app roles, checked by the service).
   */
  AUTH_MODE: z.enum(['keys', 'entra']).default('keys'),
  /** The token issuer, e.g. `https://login.microsoftonline.com/<tenant>/v2.0` (entra). */
  AUTH_ISSUER: z
    .url({ protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  /** The accepted audiences (`api://<app id>`, the app id), separated by commas (entra). */
  AUTH_AUDIENCE: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((a) => a.trim())
        .filter((a) => a !== ''),
    )
    .optional(),
  /**
   * The secret every stored key of a person is derived with (at least 32 characters; set once, never
   * changed). When unset, one is generated once and kept in the config table.
   */
  SUBJECT_KEY: z.string().min(32, 'at least 32 characters').optional(),
  /** Where the issuer's signing keys are; default: the `jwks_uri` of its discovery document. */
  AUTH_JWKS_URI: z.url({ protocol: /^https?$/ }).optional(),
  /** An unknown signing key (`kid`) makes the service fetch the issuer's keys again at most this often. */
  AUTH_KEY_REFETCH_SECONDS: intSetting(30, 1, 3600),
});

/** The shortest commit deadline that outlasts every try of a commit request, and the marker budget. */
export function minimumCommitDeadlineMs(
  config: Pick<Config, 'STORAGE_TIMEOUT_MS' | 'STORAGE_MAX_RETRIES' | 'CHANGE_FEED_SETTLE_SECONDS'>,
): number {
  return (
    2 * config.STORAGE_TIMEOUT_MS * (config.STORAGE_MAX_RETRIES + 1) +
    config.CHANGE_FEED_SETTLE_SECONDS * 1000
  );
}

type Settings = z.infer<typeof configSchema>;
type ConnectionName = 'AzureWebJobsStorage' | 'CONSENT_STORAGE';

/** Where the consent tables are and how the service signs in to them. */
export type StorageConnection =
  | { setting: ConnectionName; kind: 'connectionString'; connectionString: string }
  | {
      setting: ConnectionName;
      kind: 'identity';
      tableServiceUri: string;
      /** `managedidentity`: ManagedIdentityCredential; `default`: DefaultAzureCredential, as the host does. */
      credential: 'managedidentity' | 'default';
      clientId?: string;
    };

const IDENTITY_PARTS = ['accountName', 'tableServiceUri', 'credential', 'clientId'] as const;
const HOST_ONLY_PARTS = ['blobServiceUri', 'queueServiceUri', 'serviceUri'] as const;

function part(settings: Settings, name: ConnectionName, key: string): string | undefined {
  const value: unknown = (settings as unknown as Record<string, unknown>)[`${name}__${key}`];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The cross-setting rules of one connection. `forConsent`: the service keeps its tables there, so it
 * must name a table endpoint; otherwise it is only the host's, and only its obvious mistakes are named.
 */
function connectionIssues(settings: Settings, name: ConnectionName, forConsent: boolean) {
  const issues: Array<{ path: string; message: string }> = [];
  const given = (keys: readonly string[]) => keys.filter((key) => part(settings, name, key) !== undefined);
  const identity = given(IDENTITY_PARTS);
  const hostOnly = given(name === 'AzureWebJobsStorage' ? HOST_ONLY_PARTS : []);
  const setting = (key: string) => `${name}__${key}`;
  if (settings[name] !== undefined && identity.length + hostOnly.length > 0) {
    issues.push({
      path: name,
      message: `a connection string, and ${[...identity, ...hostOnly].map(setting).join(', ')} too: give one or the other`,
    });
  }
  if (identity.includes('accountName') && identity.includes('tableServiceUri')) {
    issues.push({
      path: setting('tableServiceUri'),
      message: `${setting('accountName')} is given too: give one of them`,
    });
  }
  if (identity.includes('clientId') && part(settings, name, 'credential') === undefined) {
    issues.push({
      path: setting('clientId'),
      message: `names a user-assigned identity only with ${setting('credential')}=managedidentity`,
    });
  }
  const endpoint = identity.includes('accountName') || identity.includes('tableServiceUri');
  const halfGiven = identity.filter((key) => key === 'credential' || key === 'clientId');
  if (forConsent && !endpoint && settings[name] === undefined && identity.length + hostOnly.length > 0) {
    issues.push({
      path: [...halfGiven, ...hostOnly].map(setting).join(', '),
      message:
        `the consent tables need ${setting('accountName')} or ${setting('tableServiceUri')}` +
        (name === 'AzureWebJobsStorage' ? ' (or a separate CONSENT_STORAGE connection)' : ''),
    });
  } else if (!forConsent && halfGiven.length > 0 && !endpoint && hostOnly.length === 0) {
    issues.push({
      path: halfGiven.map(setting).join(', '),
      message: `given without ${setting('accountName')} or a service URI`,
    });
  }
  return issues;
}

function usesConsentStorage(settings: Settings): boolean {
  return (
    settings.CONSENT_STORAGE !== undefined ||
    IDENTITY_PARTS.some((key) => part(settings, 'CONSENT_STORAGE', key) !== undefined)
  );
}

/** The consent data's connection, once the rules above hold. */
function consentStorageOf(settings: Settings): StorageConnection {
  const name: ConnectionName = usesConsentStorage(settings) ? 'CONSENT_STORAGE' : 'AzureWebJobsStorage';
  const connection = settings[name];
  if (connection !== undefined)
    return { setting: name, kind: 'connectionString', connectionString: connection };
  const account = part(settings, name, 'accountName');
  const uri = part(settings, name, 'tableServiceUri');
  if (account === undefined && uri === undefined) {
    return { setting: name, kind: 'connectionString', connectionString: DEVELOPMENT_STORAGE_SETTING };
  }
  const id = part(settings, name, 'clientId');
  return {
    setting: name,
    kind: 'identity',
    tableServiceUri: uri ?? `https://${account}.table.core.windows.net`,
    credential: part(settings, name, 'credential') === undefined ? 'default' : 'managedidentity',
    ...(id !== undefined ? { clientId: id } : {}),
  };
}

const DEVELOPMENT_STORAGE_SETTING = 'UseDevelopmentStorage=true';

/** An http URL is for local testing only: tokens and keys travel over TLS everywhere else. */
const loopbackOnly = (url: string) => {
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
};

function authIssues(config: z.infer<typeof configSchema>): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  if (config.AUTH_MODE !== 'entra') return issues;
  if (config.AUTH_ISSUER === undefined)
    issues.push({ path: 'AUTH_ISSUER', message: 'is required with AUTH_MODE=entra (the token issuer URL)' });
  if (!config.AUTH_AUDIENCE?.length)
    issues.push({
      path: 'AUTH_AUDIENCE',
      message: 'is required with AUTH_MODE=entra (the accepted audiences)',
    });
  for (const name of ['AUTH_ISSUER', 'AUTH_JWKS_URI'] as const) {
    const url = config[name];
    if (url !== undefined && !loopbackOnly(url))
      issues.push({ path: name, message: 'must be https (http only on a loopback address, for testing)' });
  }
  return issues;
}

const checkedConfigSchema = configSchema
  .superRefine((config, ctx) => {
    for (const { path, message } of authIssues(config))
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (config.CHANGE_FEED_COMMIT_DEADLINE_SECONDS * 1000 < minimumCommitDeadlineMs(config)) {
      ctx.addIssue({
        code: 'custom',
        path: ['CHANGE_FEED_COMMIT_DEADLINE_SECONDS'],
        message: `must be at least ${Math.ceil(minimumCommitDeadlineMs(config) / 1000)} with these storage timeouts`,
      });
    }
    const separate = usesConsentStorage(config);
    const issues = [
      ...connectionIssues(config, 'AzureWebJobsStorage', !separate),
      ...(separate ? connectionIssues(config, 'CONSENT_STORAGE', true) : []),
    ];
    for (const { path, message } of issues) ctx.addIssue({ code: 'custom', path: [path], message });
  })
  .transform((config) => {
    const consentStorage = consentStorageOf(config);
    const hostHasNothing =
      config.AzureWebJobsStorage === undefined &&
      [...IDENTITY_PARTS, ...HOST_ONLY_PARTS].every(
        (key) => part(config, 'AzureWebJobsStorage', key) === undefined,
      );
    return {
      ...config,
      // As before identity connections: nothing given at all means the local development storage.
      AzureWebJobsStorage: hostHasNothing ? DEVELOPMENT_STORAGE_SETTING : config.AzureWebJobsStorage,
      consentStorage,
    };
  });

export type Config = z.output<typeof checkedConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Like the Functions host: the environment wins, then `local.settings.json` Values. */
function readLocalSettings(cwd: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(join(cwd, 'local.settings.json'), 'utf8');
  } catch {
    return {};
  }
  const parsed = z
    .object({ Values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional() })
    .safeParse(JSON.parse(text));
  if (!parsed.success) throw new ConfigError('local.settings.json: "Values" must map names to strings');
  return Object.fromEntries(Object.entries(parsed.data.Values ?? {}).map(([k, v]) => [k, String(v)]));
}

const CONNECTION_SETTING = new RegExp(
  `^(AzureWebJobsStorage|CONSENT_STORAGE)(?:__(${[...IDENTITY_PARTS, ...HOST_ONLY_PARTS].join('|')}))?$`,
  'i',
);
const CANONICAL_NAMES = new Map(
  ['AzureWebJobsStorage', 'CONSENT_STORAGE', ...IDENTITY_PARTS, ...HOST_ONLY_PARTS].map((n) => [
    n.toLowerCase(),
    n,
  ]),
);

/** The host reads connection settings ignoring case; so does the service, so both use the same ones. */
function connectionSettingName(key: string): string {
  const match = CONNECTION_SETTING.exec(key);
  if (!match) return key;
  const canonical = (word: string) => CANONICAL_NAMES.get(word.toLowerCase()) ?? word;
  return match[2] === undefined ? canonical(match[1]!) : `${canonical(match[1]!)}__${canonical(match[2])}`;
}

export function parseConfig(
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): Config {
  const merged: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(readLocalSettings(cwd)))
    merged[connectionSettingName(key)] = value;
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && value !== '') merged[connectionSettingName(key)] = value;
  const result = checkedConfigSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid setting ${problems}`);
  }
  return result.data;
}

let cached: Config | undefined;

/** The configuration, read and validated once per process. */
export function getConfig(): Config {
  cached ??= parseConfig();
  return cached;
}
