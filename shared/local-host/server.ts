import { randomUUID, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from '@azure/functions';
import type { FunctionRegistration } from './functions-core';

export interface LocalHostOptions {
  registrations: readonly FunctionRegistration[];
  routePrefix: string;
  functionKey?: string;
  maxBodyBytes: number;
  log: (line: string) => void;
}

interface Route {
  registration: FunctionRegistration;
  methods: Set<string>;
  authLevel: string;
  pattern: RegExp;
  params: string[];
  literalSegments: number;
  /** `/api/profiles/{profileId}`: what the log shows, never the path itself. */
  template: string;
}

/** Functions route templates: `{name}`, `{name?}`, `{name:constraint}` and a catch-all `{*name}`. */
export function compileRoute(
  prefix: string,
  template: string,
): { pattern: RegExp; params: string[]; literalSegments: number } {
  const params: string[] = [];
  let literalSegments = 0;
  const segments = [prefix, ...template.split('/')].filter((s) => s !== '');
  let source = '';
  for (const segment of segments) {
    const param = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]+)?(\?)?\}$/.exec(segment);
    if (!param) {
      literalSegments++;
      source += `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
      continue;
    }
    const [, catchAll, name, optional] = param;
    params.push(name!);
    const value = catchAll ? '(.*)' : '([^/]+)';
    source += optional || catchAll ? `(?:/${value})?` : `/${value}`;
  }
  return { pattern: new RegExp(`^${source}/?$`, 'i'), params, literalSegments };
}

function keyMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The same `type` scheme as the service's own problems: `urn:consent-service:problem:not-found`. */
function problemType(title: string): string {
  return `urn:consent-service:problem:${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

function problem(
  res: ServerResponse,
  status: number,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
) {
  const body = JSON.stringify({ type: problemType(title), title, status, detail });
  res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
  res.end(body);
}

/**
 * The path as ASP.NET Core (the Functions host) hands it to routing: unescaped, except that %2F
 * stays as it is (an encoded slash does not split a segment) and so does any run of escapes that is
 * not valid UTF-8.
 */
export function decodePath(path: string): string {
  return path.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = Buffer.from(run.replace(/%/g, ''), 'hex');
    const parts: string[] = [];
    let start = 0;
    // Split the run at encoded slashes, which are kept encoded.
    bytes.forEach((byte, i) => {
      if (byte === 0x2f) {
        parts.push(decodeRun(run.slice(start * 3, i * 3)), run.slice(i * 3, i * 3 + 3));
        start = i + 1;
      }
    });
    parts.push(decodeRun(run.slice(start * 3)));
    return parts.join('');
  });
}

/** Decodes each valid UTF-8 sequence of a run of escapes and keeps the escapes of the others. */
function decodeRun(run: string): string {
  const bytes = Buffer.from(run.replace(/%/g, ''), 'hex');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i]!;
    const length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
    try {
      if (length === 0 || i + length > bytes.length) throw new RangeError('not a sequence');
      out += utf8.decode(bytes.subarray(i, i + length));
      i += length;
    } catch {
      out += run.slice(i * 3, i * 3 + 3);
      i += 1;
    }
  }
  return out;
}

/** What the host itself answers (no route, no key, a body over its limit): a status and no body. */
function empty(res: ServerResponse, status: number) {
  res.writeHead(status, { 'content-length': '0' });
  res.end();
}

class BodyTooLarge extends Error {}

/**
 * Past the limit, the rest of a body is still read and dropped, up to this many times the limit:
 * a client that is still sending then gets the 413 instead of a reset connection (EPIPE).
 * Beyond that the host stops reading and closes the connection.
 */
const DRAIN_FACTOR = 4;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit * DRAIN_FACTOR) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > limit * DRAIN_FACTOR) {
        req.off('data', onData);
        req.pause();
        reject(new BodyTooLarge());
      }
    };
    req.on('data', onData);
    req.once('end', () => (size > limit ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks))));
    req.once('error', reject);
  });
}

/**
 * A small, faithful stand-in for the Functions host's HTTP front end: it routes to the `app.http`
 * registrations with the library's own HttpRequest and InvocationContext objects.
 */
export function createLocalHost(options: LocalHostOptions): Server {
  const routes: Route[] = options.registrations
    .map((registration) => {
      const trigger = Object.values(registration.bindings).find((b) => b.type === 'httpTrigger');
      if (!trigger) return undefined;
      const compiled = compileRoute(options.routePrefix, trigger.route ?? registration.name);
      return {
        registration,
        methods: new Set(
          (trigger.methods ?? ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).map((m) =>
            m.toUpperCase(),
          ),
        ),
        authLevel: trigger.authLevel ?? 'function',
        template: `/${[options.routePrefix, trigger.route ?? registration.name].filter((s) => s !== '').join('/')}`,
        ...compiled,
      };
    })
    .filter((r): r is Route => r !== undefined)
    .sort((a, b) => b.literalSegments - a.literalSegments);

  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const method = (req.method ?? 'GET').toUpperCase();
    const served = { route: '(no route)' };
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // The route template only: paths and query strings may carry addresses, which stay out of logs.
      options.log(`${method} ${served.route} ${res.statusCode} ${ms.toFixed(1)}ms`);
    });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    } catch {
      // A malformed Host header or request target: answer, never throw out of the listener.
      return problem(res, 400, 'Bad request', 'The request URL is not valid.');
    }
    void handle(req, res, url, method, served).catch(() => {
      if (!res.headersSent) problem(res, 500, 'Internal error', 'The host could not complete the request.');
      else res.destroy();
    });
  });
  // Requests that cannot be parsed (oversized headers or request line, bad syntax) are refused by
  // the server itself, as Kestrel does in front of the Functions host: a status and no body.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
    );
  });
  return server;

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    served: { route: string },
  ): Promise<void> {
    const pathname = decodePath(url.pathname);
    // As the Functions host routes: a function matches only for a method it lists, so a path served
    // for other methods is a 404 with an empty body, like a path no function serves.
    const found = routes
      .filter((route) => route.methods.has(method))
      .map((route) => ({ route, match: route.pattern.exec(pathname) }))
      .find((m): m is { route: Route; match: RegExpExecArray } => m.match !== null);
    if (!found) return empty(res, 404);
    const { route, match } = found;
    served.route = route.template;
    if (route.authLevel !== 'anonymous' && options.functionKey !== undefined) {
      const given = req.headers['x-functions-key'];
      const key = (Array.isArray(given) ? given[0] : given) ?? url.searchParams.get('code');
      if (!keyMatches(key ?? null, options.functionKey)) return empty(res, 401);
    }
    let body: Buffer;
    try {
      body = await readBody(req, options.maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      res.setHeader('connection', 'close');
      return empty(res, 413);
    }
    const params: Record<string, string> = {};
    route.params.forEach((name, i) => {
      const value = match[i + 1];
      if (value !== undefined) params[name] = value;
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    // The host hands a repeated query key over once, its values joined with commas.
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) {
      query[name] = Object.hasOwn(query, name) ? `${query[name]},${value}` : value;
    }
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers,
      query,
      params,
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    });
    const invocationId = randomUUID();
    const context = new InvocationContext({
      invocationId,
      functionName: route.registration.name,
      logHandler: (level, ...args) => {
        if (level === 'error' || level === 'warning')
          options.log(`[${route.registration.name}] ${level}: ${args.map(String).join(' ')}`);
      },
    });
    const result = (await route.registration.handler(request, context)) as
      HttpResponseInit | HttpResponse | undefined;
    const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
    const payload = Buffer.from(await response.arrayBuffer());
    const outHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      outHeaders[name] = value;
    });
    res.writeHead(response.status, { ...outHeaders, 'content-length': String(payload.length) });
    res.end(method === 'HEAD' ? undefined : payload);
  }
}
