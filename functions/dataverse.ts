import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { operations } from '../shared/api';
import { getConfig } from '../shared/config';
import { parseSelect } from '../shared/dataverse/dataverse-service';
import { CONSENT_SET } from '../shared/dataverse/entities';
import { parsePrefer, parseQueryOptions, parseResourcePath } from '../shared/dataverse/request';
import { odataJson } from '../shared/dataverse/responses';
import { ServiceError } from '../shared/errors';
import { register } from '../shared/http';
import { publicBaseUrl } from '../shared/public-url';
import { getServices } from '../shared/runtime';

const API = '/api/data/v9.2';

function baseOf(request: HttpRequest): string {
  return `${publicBaseUrl(getConfig(), request.url)}${API}`;
}

function rowUrl(request: HttpRequest, id: string): string {
  return `${baseOf(request)}/${CONSENT_SET}(${id})`;
}

/** GET a collection (with $filter, $select, $top, paging) or one row. */
register(operations.dataverseGet, async ({ params, caller, request }) => {
  const scope = caller.scope('Consent.Read');
  const { set, id } = parseResourcePath(params.path);
  const options = parseQueryOptions(request);
  const select = parseSelect(set, options.select);
  const dataverse = getServices().dataverse;
  const context = `${baseOf(request)}/$metadata#${set}${select ? `(${select.join(',')})` : ''}`;
  if (id !== undefined) {
    return odataJson(200, {
      '@odata.context': `${context}/$entity`,
      ...(await dataverse.row(set, id, select, scope)),
    });
  }
  const prefer = parsePrefer(request);
  const { select: _text, ...query } = options;
  const page = await dataverse.collection(
    {
      set,
      ...query,
      ...(select ? { select } : {}),
      maxPageSize: prefer.maxPageSize,
    },
    scope,
  );
  let nextLink: string | undefined;
  if (page.skipToken !== undefined) {
    const next = new URL(request.url);
    next.searchParams.set('$skiptoken', page.skipToken);
    nextLink = `${baseOf(request)}/${set}${next.search}`;
  }
  return odataJson(
    200,
    { '@odata.context': context, value: page.rows, ...(nextLink ? { '@odata.nextLink': nextLink } : {}) },
    // Honoured on every collection: in memory or from the list, a page holds at most that many.
    request.headers.get('prefer')?.toLowerCase().includes('odata.maxpagesize')
      ? { 'Preference-Applied': `odata.maxpagesize=${prefer.maxPageSize}` }
      : {},
  );
});

/** POST a consent row: 204 with OData-EntityId, or 201 and the row with Prefer: return=representation. */
register(operations.dataverseCreate, async ({ params, body, caller, request }) => {
  const { set, id } = parseResourcePath(params.path);
  if (set !== CONSENT_SET || id !== undefined) {
    throw new ServiceError('method-not-allowed', `Creating rows of ${set} this way is not supported.`);
  }
  const written = await getServices().dataverse.create(body, caller, caller.scope('Consent.Write'));
  return writtenResponse(request, written, 201);
});

/** PATCH a consent row: 204, or 200 and the row; If-Match W/"<version>" that no longer matches is 412. */
register(operations.dataverseUpdate, async ({ params, body, caller, request }) => {
  const { set, id } = parseResourcePath(params.path);
  if (set !== CONSENT_SET || id === undefined) {
    throw new ServiceError('method-not-allowed', `Updating ${set} this way is not supported.`);
  }
  const ifMatch = request.headers.get('if-match');
  const ifNoneMatch = request.headers.get('if-none-match');
  const written = await getServices().dataverse.update(
    id,
    body,
    {
      ...(ifMatch !== null ? { ifMatch } : {}),
      ...(ifNoneMatch !== null ? { ifNoneMatch } : {}),
    },
    caller,
    caller.scope('Consent.Write'),
  );
  return writtenResponse(request, written, 200);
});

/** History is never deleted: set msdynmkt_value instead. */
register(operations.dataverseDelete, async ({ params }) => {
  parseResourcePath(params.path);
  throw new ServiceError(
    'method-not-allowed',
    'Deleting consent rows is not supported: their history is kept. Set msdynmkt_value to opted out (534120002) instead.',
  );
});

function writtenResponse(
  request: HttpRequest,
  written: { record: { id: string }; row: Record<string, unknown> },
  status: number,
): HttpResponseInit {
  const url = rowUrl(request, written.record.id);
  if (!parsePrefer(request).returnRepresentation) {
    return { status: 204, headers: { 'OData-Version': '4.0', 'OData-EntityId': url } };
  }
  return odataJson(
    status,
    { '@odata.context': `${baseOf(request)}/$metadata#${CONSENT_SET}/$entity`, ...written.row },
    { 'OData-EntityId': url, 'Preference-Applied': 'return=representation' },
  );
}
