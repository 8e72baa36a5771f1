import type { z } from 'zod';
import { ValidationError } from '../errors';
import { issueDetails } from './issue-details';

/** A value parsed with a schema, or a ValidationError naming every bad path of `what`. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new ValidationError(`The ${what} is not valid.`, issueDetails(result.error.issues));
  return result.data;
}
