import { z } from 'zod';
import type { Operation } from '../common/operation';
import {
  dataverseAnswerSchema,
  dataversePathSchema,
  dataverseRowBodySchema,
  dataverseErrorSchema,
} from './dataverse.schemas';

/** The Dataverse routes answer errors in the Dataverse shape, never problem+json. */
const dataverseErrors = (statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: `Dataverse error ${status}`,
        schema: dataverseErrorSchema,
        contentType: 'application/json',
      },
    ]),
  );

export const dataverseOperations = {
  dataverseGet: {
    name: 'dataverseGet',
    method: 'GET',
    route: 'data/v9.2/{*path}',
    authLevel: 'function',
    access: 'Consent.Read',
    summary:
      'Dataverse Web API: msdynmkt_contactpointconsent4s, msdynmkt_purposes and msdynmkt_topics, a collection ($filter, $select, $top, Prefer: odata.maxpagesize) or one row by GUID',
    params: dataversePathSchema,
    errors: 'dataverse',
    responses: {
      200: {
        description: 'A page of rows with @odata.nextLink when more follow, or one row',
        schema: dataverseAnswerSchema,
      },
      ...dataverseErrors([400, 404, 503]),
    },
  },
  dataverseCreate: {
    name: 'dataverseCreate',
    method: 'POST',
    route: 'data/v9.2/{*path}',
    authLevel: 'function',
    access: 'Consent.Write',
    summary:
      'Dataverse Web API: create a msdynmkt_contactpointconsent4 row (or update the one for the same key)',
    params: dataversePathSchema,
    body: dataverseRowBodySchema,
    // Any JSON: the row is validated as Dataverse does, and refused in its error shape.
    parse: { body: z.unknown() },
    errors: 'dataverse',
    responses: {
      201: { description: 'Created, with Prefer: return=representation', schema: dataverseAnswerSchema },
      204: { description: 'Created; OData-EntityId names the row' },
      ...dataverseErrors([400, 404, 405, 503]),
    },
  },
  dataverseUpdate: {
    name: 'dataverseUpdate',
    method: 'PATCH',
    route: 'data/v9.2/{*path}',
    authLevel: 'function',
    access: 'Consent.Write',
    summary: 'Dataverse Web API: update a msdynmkt_contactpointconsent4 row (If-Match honoured)',
    params: dataversePathSchema,
    body: dataverseRowBodySchema,
    // Any JSON: the row is validated as Dataverse does, and refused in its error shape.
    parse: { body: z.unknown() },
    errors: 'dataverse',
    responses: {
      200: { description: 'Updated, with Prefer: return=representation', schema: dataverseAnswerSchema },
      204: { description: 'Updated' },
      ...dataverseErrors([400, 404, 405, 412, 503]),
    },
  },
  dataverseDelete: {
    name: 'dataverseDelete',
    method: 'DELETE',
    route: 'data/v9.2/{*path}',
    authLevel: 'function',
    access: 'Consent.Write',
    summary: 'Refused: consent history is never deleted (set msdynmkt_value instead)',
    params: dataversePathSchema,
    errors: 'dataverse',
    responses: { ...dataverseErrors([404, 405]) },
  },
} satisfies Record<string, Operation>;
