import type { HttpRequest } from '@azure/functions';
import type { z } from 'zod';
import { ServiceError } from '../errors';
import { readBodyBytes } from './body-bytes';
import { parseMediaType } from './media-type';
import { parseWith } from './parse-with';

/** A JSON body in UTF-8 (any `application/*+json` type), validated with `schema`. */
export async function readJson<S extends z.ZodType>(request: HttpRequest, schema: S): Promise<z.output<S>> {
  const contentType = request.headers.get('content-type');
  if (contentType !== null) {
    const { type, params } = parseMediaType(contentType);
    if (!/^application\/([\w.+-]*\+)?json$/.test(type)) {
      throw new ServiceError('unsupported-media-type', 'Send the body as application/json.');
    }
    if (params.charset !== undefined && !/^utf-?8$/i.test(params.charset)) {
      throw new ServiceError('unsupported-media-type', 'Send the JSON body in UTF-8.');
    }
  }
  const bytes = await readBodyBytes(request);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ServiceError('malformed-json', 'The body is not valid UTF-8 JSON.');
  }
  return parseWith(schema, body, 'body');
}
