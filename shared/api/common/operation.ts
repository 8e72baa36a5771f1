import type { z } from 'zod';
import type { Role } from '../../domain/access';
import { problemSchema } from './common.schemas';

/** How the register funnel reads a request's body for the handler. */
export type BodyReading =
  /** JSON, validated with `parse.body` (else `body`). */
  | 'json'
  /** A form (`application/x-www-form-urlencoded` or `multipart/form-data`) as URLSearchParams. */
  | 'form'
  /** Not read: the handler reads it itself (a provider's webhook checks its signature first). */
  | 'raw';

/**
 * One route of the service: what `app.http` registers, what the funnel parses before the handler
 * runs, how its errors are answered, and what openapi.json says of it.
 */
export interface Operation {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  /** Route template under the `api` prefix, in Functions syntax (`profiles/{profileId}`). */
  route: string;
  authLevel: 'anonymous' | 'function';
  /**
   * The app role a caller needs under AUTH_MODE=entra (a key route: `authLevel: 'function'`); a
   * role scoped to profiles reaches only their records. Under `keys`, the function key opens all.
   */
  access?: Role;
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodType;
  /** The JSON body as documented (and parsed, unless `parse.body` is given). */
  body?: z.ZodType;
  /**
   * What the funnel validates when it is looser than the documented body: a batch's envelope,
   * whose items the service checks one by one so that one answer names every bad item.
   */
  parse?: { body?: z.ZodType };
  /** The body per media type, for a route that takes other media types than JSON. */
  mediaTypes?: Record<string, z.ZodType>;
  /** How the body is read (default: `json` when there is a body, `form` for form media types). */
  read?: BodyReading;
  /** `contentType` for an answer that is neither JSON (2xx) nor problem+json (4xx, 5xx). */
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  /** How errors are answered: problem+json (default), an HTML page, or the Dataverse error shape. */
  errors?: 'problem' | 'page' | 'dataverse';
}

export const invalid = { 400: { description: 'The request is not valid', schema: problemSchema } };
export const unavailable = {
  503: { description: 'Consent storage is unavailable (Retry-After)', schema: problemSchema },
};
export const notFound = { 404: { description: 'Not found', schema: problemSchema } };
export const tooLarge = { 413: { description: 'The body is too large', schema: problemSchema } };
export const capacity = {
  409: {
    description: 'A contact point would hold more than the store allows; nothing was written',
    schema: problemSchema,
  },
};

/** An HTML page answer. */
export const page = (description: string) => ({ description, contentType: 'text/html' });

/** What an Event Grid webhook answers when the body is in no media type Event Grid delivers. */
export const notEventGrid = {
  415: {
    description:
      'The body is not application/json, application/cloudevents+json or application/cloudevents-batch+json',
    schema: problemSchema,
  },
};

/** The CloudEvents abuse-protection handshake (OPTIONS) of an Event Grid webhook route. */
export const eventGridHandshake = <N extends string, R extends string>(name: N, route: R) => ({
  name,
  method: 'OPTIONS' as const,
  route,
  authLevel: 'function' as const,
  access: 'Consent.Write' as const,
  summary:
    'CloudEvents abuse-protection handshake: WebHook-Request-Origin is answered with WebHook-Allowed-Origin',
  responses: {
    200: { description: 'Deliveries allowed: WebHook-Allowed-Origin and WebHook-Allowed-Rate set' },
    400: { description: 'No or a malformed WebHook-Request-Origin header', schema: problemSchema },
  },
});
