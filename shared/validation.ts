import type { z } from 'zod';
import { ValidationError, type ErrorDetail } from './errors';

/** zod issues as contract errors: `records[3].contactPoint`, with the batch index when there is one. */
export function issueDetails(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): ErrorDetail[] {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path];
    const index = path.length >= 2 && typeof path[1] === 'number' ? path[1] : undefined;
    return { path: formatPath(path), message: issue.message, ...(index !== undefined ? { index } : {}) };
  });
}

/** zod issues of one item of a batch (`records[3]`): paths are prefixed, the index is set. */
export function itemIssueDetails(
  issues: readonly z.core.$ZodIssue[],
  field: string,
  index: number,
): ErrorDetail[] {
  return issueDetails(issues, [field, index]);
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(body)';
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new ValidationError(`The ${what} is not valid.`, issueDetails(result.error.issues));
  return result.data;
}
