import type { Catalog } from '../domain/catalog';
import type { Channel, ConsentValue, Source, Status } from '../domain/model';
import { ValidationError } from '../errors';
import type { ConsentRecord } from '../api/common/common.schemas';
import type { ConsentStore } from '../storage/consent-store';
import type { CatalogService } from './catalog-service';
import { toApiRecord } from './api-record';

export interface RecordFilters {
  channel?: Channel;
  purposeId?: string;
  topicId?: string;
  value?: ConsentValue;
  source?: Source;
  status?: Status;
  /** Epoch milliseconds: records modified at or after. */
  modifiedSince?: number;
  /** Any further test of a record (the Dataverse `$filter`). */
  where?: (record: ConsentRecord) => boolean;
}

export interface RecordPage {
  records: ConsentRecord[];
  continuationToken?: string;
}

/** Where a list stands: after record `key` of contact point `at` (its PartitionKey). */
interface ListPosition {
  at: string;
  key: string;
}

/** Contact points read per request at most: a sparse filter answers a short page, then goes on. */
const SCAN_PER_REQUEST = 1000;
/** Sorts after every consent key: the whole contact point was listed. */
const END_OF_CONTACT_POINT = '\uffff';

export function encodeListToken(position: ListPosition): string {
  return Buffer.from(JSON.stringify([1, position.at, position.key]), 'utf8').toString('base64url');
}

export function decodeListToken(token: string): ListPosition {
  const invalid = new ValidationError('The continuation token is not valid.', [
    { path: 'continuationToken', message: 'not a token this service issued' },
  ]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    parsed[0] !== 1 ||
    typeof parsed[1] !== 'string' ||
    typeof parsed[2] !== 'string' ||
    !/^[a-z][A-Za-z0-9@._+!~-]{0,254}$/.test(parsed[1]) ||
    parsed[2].length > 200
  ) {
    throw invalid;
  }
  return { at: parsed[1], key: parsed[2] };
}

function matches(record: ConsentRecord, filters: RecordFilters): boolean {
  return (
    (filters.purposeId === undefined || record.purposeId === filters.purposeId) &&
    (filters.topicId === undefined || record.topicId === filters.topicId) &&
    (filters.value === undefined || record.value === filters.value) &&
    (filters.source === undefined || record.source === filters.source) &&
    (filters.status === undefined || record.status === filters.status) &&
    (filters.modifiedSince === undefined || Date.parse(record.modifiedAt) >= filters.modifiedSince) &&
    (filters.where === undefined || filters.where(record))
  );
}

/**
 * Every stored record, filtered, in a stable order (contact point key, then purpose or topic key).
 * Table Storage has no secondary index: the state entities are paged through server-side (a
 * channel is a PartitionKey range) and the filters applied here. The token resumes exactly after
 * the last record returned, also inside a contact point whose records span two pages.
 */
export class ConsentListService {
  constructor(
    private readonly store: Pick<ConsentStore, 'ready' | 'scan'>,
    private readonly catalog: CatalogService,
  ) {}

  async list(filters: RecordFilters, limit: number, continuationToken?: string): Promise<RecordPage> {
    const after = continuationToken === undefined ? undefined : decodeListToken(continuationToken);
    const catalog: Catalog = await this.catalog.current();
    await this.store.ready();
    const scanned = await this.store.scan({
      ...(after ? { from: after.at, inclusive: true } : {}),
      ...(filters.channel ? { channel: filters.channel } : {}),
      max: SCAN_PER_REQUEST,
    });
    const records: ConsentRecord[] = [];
    for (const { key: at, contactPoint, records: stored } of scanned) {
      const keys = [...stored.keys()].sort();
      for (const key of keys) {
        if (after && at === after.at && key <= after.key) continue;
        const record = toApiRecord(contactPoint, stored.get(key)!, catalog);
        if (!matches(record, filters)) continue;
        records.push(record);
        if (records.length === limit) return { records, continuationToken: encodeListToken({ at, key }) };
      }
    }
    const last = scanned[scanned.length - 1];
    // Fewer contact points than asked for: the list is complete.
    if (!last || scanned.length < SCAN_PER_REQUEST) return { records };
    return { records, continuationToken: encodeListToken({ at: last.key, key: END_OF_CONTACT_POINT }) };
  }
}
