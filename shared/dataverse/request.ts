import type { HttpRequest } from '@azure/functions';
import { NotFoundError, ServiceError, ValidationError } from '../errors';
import { isEntitySet, MAX_PAGE_SIZE } from './dataverse-service';

export interface ResourcePath {
  set: string;
  /** The row's GUID, lower-case, when the path names one row. */
  id?: string;
}

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

function notSupported(what: string): ServiceError {
  return new ServiceError('not-supported', `${what} is not supported by this service.`);
}

/** `msdynmkt_contactpointconsent4s` or `msdynmkt_contactpointconsent4s(<guid>)` (also `(<idcolumn>=<guid>)`). */
export function parseResourcePath(path: string): ResourcePath {
  if (path === '$batch') throw notSupported('A batch request ($batch)');
  if (path.startsWith('$')) throw notSupported('This resource');
  const match = new RegExp(`^([A-Za-z_][A-Za-z0-9_]*)(?:\\((?:[A-Za-z_]+=)?(${GUID})\\))?(/.*)?$`).exec(path);
  if (!match || !isEntitySet(match[1]!)) {
    // Not echoed: a segment may hold anything, an address included.
    throw new NotFoundError('Resource not found for the segment.');
  }
  if (match[3] !== undefined) throw notSupported('Addressing a property or navigation of a row');
  return { set: match[1]!, ...(match[2] ? { id: match[2].toLowerCase() } : {}) };
}

export interface QueryOptions {
  filter?: string;
  select?: string;
  top?: number;
  skipToken?: string;
}

const SUPPORTED = new Set(['$filter', '$select', '$top', '$skiptoken']);

/** The OData system query options a request carries; any other is refused by name. */
export function parseQueryOptions(request: HttpRequest): QueryOptions {
  const options: QueryOptions = {};
  for (const [name, value] of request.query) {
    if (!name.startsWith('$')) continue;
    if (!SUPPORTED.has(name)) throw notSupported(`The query option ${name}`);
    if (name === '$filter') options.filter = value;
    if (name === '$select') options.select = value;
    if (name === '$skiptoken') options.skipToken = value;
    if (name === '$top') {
      if (!/^\d{1,9}$/.test(value)) {
        throw new ValidationError('The $top is not valid.', [{ path: '$top', message: 'a whole number' }]);
      }
      options.top = Number(value);
    }
  }
  return options;
}

export interface Preferences {
  maxPageSize: number;
  returnRepresentation: boolean;
}

/** `Prefer: odata.maxpagesize=N, return=representation` (other preferences are ignored). */
export function parsePrefer(request: HttpRequest): Preferences {
  const header = request.headers.get('prefer') ?? '';
  let maxPageSize = MAX_PAGE_SIZE;
  let returnRepresentation = false;
  for (const preference of header.split(',').map((p) => p.trim().toLowerCase())) {
    const size = /^odata\.maxpagesize\s*=\s*"?(\d{1,9})"?$/.exec(preference);
    if (size) maxPageSize = Math.max(1, Math.min(MAX_PAGE_SIZE, Number(size[1])));
    if (preference === 'return=representation') returnRepresentation = true;
  }
  return { maxPageSize, returnRepresentation };
}
