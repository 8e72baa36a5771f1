import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import type { Operation } from '../api';
import { Authenticator } from '../auth/authenticator';
import { getConfig } from '../config';
import { Caller } from '../domain/access';
import { ForbiddenError } from '../errors';
import { parseWith } from '../utils/parse-with';
import { readForm } from '../utils/read-form';
import { readJson } from '../utils/read-json';
import { readQuery } from '../utils/read-query';
import { countUnavailable, inSpan } from '../telemetry/consent-metrics';
import { errorResponse } from './error-styles';

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** The body as the funnel hands it over: parsed JSON, a form, or nothing (`raw`: read by the handler). */
type BodyOf<O extends Operation> = O extends { read: 'form' }
  ? URLSearchParams
  : O extends { read: 'raw' }
    ? undefined
    : O extends { parse: { body: infer P } }
      ? Parsed<P>
      : Parsed<O['body']>;

/** What a handler gets: its operation's params, query and body, parsed; and the request itself. */
export interface Input<O extends Operation> {
  params: Parsed<O['params']>;
  query: Parsed<O['query']>;
  body: BodyOf<O>;
  /** Who is calling and what they may do (on an anonymous route: nobody, with no role). */
  caller: Caller;
  request: HttpRequest;
  context: InvocationContext;
}

export type Handler<O extends Operation> = (input: Input<O>) => Promise<HttpResponseInit>;

function reading(op: Operation): Operation['read'] | undefined {
  if (op.read) return op.read;
  return op.body ? 'json' : undefined;
}

async function bodyOf(op: Operation, request: HttpRequest): Promise<unknown> {
  switch (reading(op)) {
    case 'json':
      return readJson(request, (op.parse?.body ?? op.body)!);
    case 'form':
      return readForm(request);
    default:
      return undefined;
  }
}

let authenticator: Authenticator | undefined;
const NOBODY = new Caller('anonymous', new Map());

/** The caller of a key route, holding the operation's role; anonymous routes have nobody. */
async function callerOf(op: Operation, request: HttpRequest): Promise<Caller> {
  if (op.authLevel === 'anonymous') return NOBODY;
  authenticator ??= new Authenticator(getConfig());
  const caller = await authenticator.caller(request);
  if (op.access !== undefined && !caller.can(op.access)) {
    throw new ForbiddenError(`This needs the role ${op.access} (for every profile, or one of them).`);
  }
  return caller;
}

/**
 * The one registration funnel: registers the operation's method, route and auth level with the
 * Functions host, authenticates the caller and checks its role, parses what the operation declares
 * (path, query, body) before the handler runs, and answers every error in the operation's style.
 * Handlers hold no try/catch and name no schema. Under AUTH_MODE=entra a key route is anonymous at
 * the host (a function key authenticates nothing there) and the service itself checks the caller.
 */
export function register<O extends Operation>(op: O, handler: Handler<O>): void {
  const hostChecksKeys = op.authLevel === 'function' && getConfig().AUTH_MODE === 'keys';
  app.http(op.name, {
    methods: [op.method],
    route: op.route,
    authLevel: hostChecksKeys ? 'function' : 'anonymous',
    handler: (request, context) =>
      inSpan(op.name, { 'http.route': `/api/${op.route}`, 'http.request.method': op.method }, async () => {
        try {
          const caller = await callerOf(op, request);
          const params = op.params ? parseWith(op.params, request.params, 'path') : undefined;
          const query = op.query ? readQuery(request, op.query) : undefined;
          const body = await bodyOf(op, request);
          return await handler({ params, query, body, caller, request, context } as Input<O>);
        } catch (error) {
          const response = errorResponse(op.errors, error, context, request);
          if (response.status === 503) countUnavailable(op.name);
          return response;
        }
      }),
  });
}
