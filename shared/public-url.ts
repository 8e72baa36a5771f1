import type { Config } from './config';

/**
 * The origin people and providers reach this service at: `PUBLIC_BASE_URL`, else
 * `https://$WEBSITE_HOSTNAME` (Azure sets it), else the origin the request itself came to (local).
 */
export function publicBaseUrl(
  config: Pick<Config, 'PUBLIC_BASE_URL' | 'WEBSITE_HOSTNAME'>,
  requestUrl: string,
): string {
  if (config.PUBLIC_BASE_URL) return config.PUBLIC_BASE_URL;
  if (config.WEBSITE_HOSTNAME) return `https://${config.WEBSITE_HOSTNAME}`;
  return new URL(requestUrl).origin;
}
