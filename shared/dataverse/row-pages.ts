import { ValidationError } from '../errors';
import type { CollectionPage, CollectionQuery } from './dataverse-service';
import type { Row } from './entities';

/** `$skiptoken` of a collection answered from rows in memory: `r.<offset>.<id of the last row served>`. */
export const ROW_TOKEN = 'r.';

export const badSkipToken = () =>
  new ValidationError('The $skiptoken is not valid.', [
    { path: '$skiptoken', message: 'not a token from this collection; follow @odata.nextLink as given' },
  ]);

/**
 * One page of rows held in memory (a pinned filter, purposes, topics): `$top` rows at most, else
 * `odata.maxpagesize` a page with a token that resumes after the last row served (found by its id,
 * so a row added meanwhile neither repeats nor hides one).
 */
export function pageOfRows(
  rows: Row[],
  idColumn: string,
  query: Pick<CollectionQuery, 'skipToken' | 'maxPageSize'>,
  top: number | undefined,
  select: (row: Row) => Row,
): CollectionPage {
  if (top !== undefined) return { rows: rows.slice(0, top).map(select) };
  let start = 0;
  if (query.skipToken !== undefined) {
    const match = /^r\.(\d{1,9})\.(.+)$/.exec(query.skipToken);
    if (!match) throw badSkipToken();
    const byId = rows.findIndex((row) => row[idColumn] === match[2]);
    start = byId >= 0 ? byId + 1 : Math.min(Number(match[1]), rows.length);
  }
  const page = rows.slice(start, start + query.maxPageSize);
  const end = start + page.length;
  return {
    rows: page.map(select),
    ...(end < rows.length
      ? { skipToken: `${ROW_TOKEN}${end}.${String(page[page.length - 1]![idColumn])}` }
      : {}),
  };
}
