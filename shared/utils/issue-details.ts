import type { z } from 'zod';
import type { ErrorDetail } from '../errors';

/** zod issues as contract errors: `records[3].contactPoint`, with the batch index when there is one. */
export function issueDetails(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): ErrorDetail[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    const index = path.length >= 2 && typeof path[1] === 'number' ? path[1] : undefined;
    const at = index !== undefined ? { index } : {};
    if (issue.code === 'unrecognized_keys') return unknownFields(path, issue.keys, at);
    return [{ path: formatPath(path), message: issue.message, ...at }];
  });
}

/** A name that may be echoed back: it cannot hold an address or anything else a person typed. */
const NAME = /^[A-Za-z_$][A-Za-z0-9_.$-]{0,63}$/;

/**
 * Fields the service does not know, each named when its name is a plain identifier (a misspelt
 * `donotemail`); any other name is not echoed (it could hold personal data).
 */
function unknownFields(path: PropertyKey[], keys: readonly string[], at: { index?: number }): ErrorDetail[] {
  const named = keys.filter((key) => NAME.test(key));
  return [
    ...named.map((key) => ({
      path: formatPath([...path, key]),
      message: 'is not a field the service knows',
      ...at,
    })),
    ...(named.length < keys.length
      ? [{ path: formatPath(path), message: 'holds fields the service does not know', ...at }]
      : []),
  ];
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
