import { setTimeout as delay } from 'node:timers/promises';
import type { LoadCounts } from '../api/centers/centers.schemas';

const ATTEMPTS = 5;
const REQUEST_TIMEOUT_MS = 300_000;
const MAX_BACKOFF_MS = 30_000;
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export interface LoadChunk {
  profileId: string;
  purposeId: string;
  topicId?: string;
  from: 'contacts' | 'leads' | 'list';
  value?: 'optedIn' | 'optedOut';
  members: Array<{ email: string; doNotEmail?: boolean; doNotBulkEmail?: boolean; doNotTrack?: boolean }>;
}

export interface ProfileSummary {
  id: string;
  purposes: Array<{ id: string; type: string; topics?: Array<{ id: string }> }>;
}

/** The service said no, or kept failing after the retries. */
export class RequestFailed extends Error {
  override readonly name = 'RequestFailed';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

interface Problem {
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
}

/** A small client of the consent service for the loader: function key, actor, retries. */
export class ConsentClient {
  private readonly base: string;

  constructor(
    url: string,
    private readonly key: string | undefined,
    private readonly actor: string,
    private readonly onRetry: (message: string) => void = () => {},
  ) {
    this.base = url.replace(/\/+$/, '').replace(/\/api$/, '');
  }

  async profile(profileId: string): Promise<ProfileSummary | undefined> {
    const response = await this.call('GET', `/api/profiles/${encodeURIComponent(profileId)}`);
    if (response.status === 404) return undefined;
    return (await this.ok(response)) as ProfileSummary;
  }

  /** Safe to retry: loading the same members again changes nothing. */
  async load(chunk: LoadChunk): Promise<LoadCounts> {
    return (await this.ok(await this.call('POST', '/api/consents/load', chunk))) as LoadCounts;
  }

  private async ok(response: Response): Promise<unknown> {
    const text = await response.text();
    if (response.ok) return JSON.parse(text);
    if (response.status === 401) {
      throw new RequestFailed('the service refused the function key (pass the right one with --key)', 401);
    }
    let problem: Problem = {};
    try {
      problem = JSON.parse(text) as Problem;
    } catch {
      // not a problem document: the status says enough
    }
    const errors = (problem.errors ?? [])
      .slice(0, 20)
      .map((e) => `\n  ${e.path}: ${e.message}`)
      .join('');
    throw new RequestFailed(
      `${response.url} answered ${response.status}: ${problem.detail ?? response.statusText}${errors}`,
      response.status,
    );
  }

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      let response: Response | undefined;
      let failure: string;
      try {
        response = await fetch(`${this.base}${path}`, {
          method,
          headers: {
            accept: 'application/json',
            'x-consent-actor': this.actor,
            ...(this.key ? { 'x-functions-key': this.key } : {}),
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        if (!RETRYABLE_STATUS.has(response.status)) return response;
        failure = `${response.status} ${response.statusText}`;
      } catch (error) {
        failure = describeNetworkError(error);
      }
      if (attempt >= ATTEMPTS) {
        if (response) return response;
        throw new RequestFailed(`${method} ${this.base}${path} failed ${ATTEMPTS} times: ${failure}`);
      }
      const wait = backoffMs(attempt, response?.headers.get('retry-after') ?? null);
      await response?.body?.cancel();
      this.onRetry(
        `${method} ${path}: ${failure}; retry ${attempt} of ${ATTEMPTS - 1} in ${Math.ceil(wait / 1000)} s`,
      );
      await delay(wait);
    }
  }
}

function backoffMs(attempt: number, retryAfter: string | null): number {
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(MAX_BACKOFF_MS, seconds * 1000);
  return Math.min(MAX_BACKOFF_MS, 500 * 2 ** (attempt - 1) * (0.75 + Math.random() / 2));
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = cause instanceof Error ? ((cause as { code?: string }).code ?? cause.message) : undefined;
  return code ? `${error.message} (${code})` : error.message;
}
