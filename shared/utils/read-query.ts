import type { HttpRequest } from '@azure/functions';
import type { z } from 'zod';
import { parseWith } from './parse-with';

/**
 * Query parameters as an object. A repeated parameter arrives as the Functions host passes it, its
 * values joined with commas (`channel=custom,email`), so it is refused rather than half read.
 */
export function readQuery<S extends z.ZodType>(request: HttpRequest, schema: S): z.output<S> {
  const query: Record<string, string> = {};
  for (const [key, value] of request.query) {
    // An empty parameter (`purposeId=`) is an absent one, as clients filling a template send it.
    if (value === '' || key === 'code') continue;
    query[key] = Object.hasOwn(query, key) ? `${query[key]},${value}` : value;
  }
  return parseWith(schema, query, 'query');
}
