import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import { KEY_ID_PATTERN } from './links/link-token';

const intSetting = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const configSchema = z.object({
  AzureWebJobsStorage: z.string().trim().min(1).default('UseDevelopmentStorage=true'),
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
  /** When the feed's retention runs (NCRONTAB, UTC): hourly by default. */
  CHANGE_FEED_PURGE_SCHEDULE: z.string().default('0 17 * * * *'),
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
  /** Set by App Service to the app's host name. */
  WEBSITE_HOSTNAME: z.string().optional(),
  LOCAL_FUNCTION_KEY: z.string().optional(),
  /** The Functions host's own body limit (100 MB unless set); the service enforces smaller ones. */
  FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: intSetting(104_857_600, 1, 2_147_483_647),
  PORT: intSetting(7071, 0, 65535),
  AZURITE_LOCATION: z.string().default('.azurite'),
  /** Testing aid: shift this instance's clock, to prove the feed under clock skew between instances. */
  LOCAL_CLOCK_OFFSET_MS: z.coerce.number().int().min(-60_000).max(60_000).default(0),
  /** Set by tools that start the local host: exit when the parent closes our stdin. */
  EXIT_WITH_STDIN: z.stringbool().default(false),
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

const checkedConfigSchema = configSchema.superRefine((config, ctx) => {
  if (config.CHANGE_FEED_COMMIT_DEADLINE_SECONDS * 1000 < minimumCommitDeadlineMs(config)) {
    ctx.addIssue({
      code: 'custom',
      path: ['CHANGE_FEED_COMMIT_DEADLINE_SECONDS'],
      message: `must be at least ${Math.ceil(minimumCommitDeadlineMs(config) / 1000)} with these storage timeouts`,
    });
  }
});

export type Config = z.infer<typeof configSchema>;

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

export function parseConfig(
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): Config {
  const merged: Record<string, string | undefined> = { ...readLocalSettings(cwd) };
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && value !== '') merged[key] = value;
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
