/** What a request returned: the raw text as well as the parsed body, for checks on what is echoed. */
export interface Reply<T = any> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

export interface RawRequest {
  method: string;
  /** Path and query, e.g. `/api/consents?channel=email`. */
  path: string;
  /** A string or bytes is sent as is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * An HTTP client for robustness tests: every request has a deadline (a hang fails the test instead
 * of stalling it), bodies may be raw text or bytes, and the raw response text is kept.
 */
export function boundedClient(baseUrl: string, key: string | null, timeoutMs = 30_000) {
  async function send<T = any>(request: RawRequest): Promise<Reply<T>> {
    const { body } = request;
    const raw = typeof body === 'string' || body instanceof Uint8Array;
    const response = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: {
        ...(key !== null ? { 'x-functions-key': key } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...request.headers,
      },
      ...(body !== undefined ? { body: raw ? body : JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, headers: response.headers, text, body: parsed as T };
  }
  return {
    send,
    get: <T = any>(path: string, headers?: Record<string, string>) =>
      send<T>({ method: 'GET', path, ...(headers ? { headers } : {}) }),
    post: <T = any>(path: string, body: unknown, headers?: Record<string, string>) =>
      send<T>({ method: 'POST', path, body, ...(headers ? { headers } : {}) }),
    put: <T = any>(path: string, body: unknown, headers?: Record<string, string>) =>
      send<T>({ method: 'PUT', path, body, ...(headers ? { headers } : {}) }),
  };
}

export type BoundedClient = ReturnType<typeof boundedClient>;
