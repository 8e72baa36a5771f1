import type { Actor, ProfileScope } from '../domain/access';
import type { Catalog } from '../domain/catalog';
import type { ContactPointParser } from '../domain/contact-point';
import { CHANNELS, type Channel } from '../domain/model';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { ConsentRecord } from '../api/common/common.schemas';
import type { CatalogService } from '../services/catalog-service';
import type { ConsentListService } from '../services/consent-list';
import { toApiRecord } from '../services/api-record';
import { profileOf, reaches } from '../services/profile-scope';
import type { ConsentService } from '../services/consent-service';
import type { ConsentStore } from '../storage/consent-store';
import { contactKeyOfRecordId, recordId } from '../storage/record-ids';
import { CHANNEL_CODES, nameOf } from './codes';
import {
  CONSENT_COLUMNS,
  CONSENT_ID,
  CONSENT_SET,
  consentRow,
  filterRow,
  PURPOSE_COLUMNS,
  PURPOSE_SET,
  purposeRow,
  selectColumns,
  TOPIC_COLUMNS,
  TOPIC_SET,
  topicRow,
  type Row,
} from './entities';
import {
  evaluateFilter,
  parseFilter,
  pinnedValues,
  sameValue,
  type ColumnSpec,
  type FilterExpression,
  type FilterRow,
  type FilterValue,
} from './odata-filter';
import { badSkipToken, pageOfRows, ROW_TOKEN } from './row-pages';
import { DataverseRowWriter, type WriteOutcome } from './row-writer';

export const MAX_PAGE_SIZE = 1000;
const MAX_TOP = 5000;
/** A filter that pins more addresses than this is served by the list instead of point reads. */
const MAX_POINT_READS = 100;

export interface CollectionQuery {
  set: string;
  filter?: string;
  select?: readonly string[];
  top?: number;
  skipToken?: string;
  maxPageSize: number;
}

export interface CollectionPage {
  rows: Row[];
  /** The `$skiptoken` of the next page, when more follow. */
  skipToken?: string;
}

const SETS: Record<string, { columns: Readonly<Record<string, ColumnSpec>>; id: string }> = {
  [CONSENT_SET]: { columns: CONSENT_COLUMNS, id: CONSENT_ID },
  [PURPOSE_SET]: { columns: PURPOSE_COLUMNS, id: 'msdynmkt_purposeid' },
  [TOPIC_SET]: { columns: TOPIC_COLUMNS, id: 'msdynmkt_topicid' },
};

export function isEntitySet(set: string): boolean {
  return Object.hasOwn(SETS, set);
}

/** The columns `$select` names, each checked against the entity set. */
export function parseSelect(set: string, select: string | undefined): string[] | undefined {
  if (select === undefined) return undefined;
  const names = select.split(',').map((name) => name.trim());
  const columns = SETS[set]!.columns;
  const unknown = names.filter((name) => !Object.hasOwn(columns, name));
  if (unknown.length > 0) {
    throw new ValidationError('The $select is not valid.', [
      { path: '$select', message: `no column ${unknown.map((n) => `"${n}"`).join(', ')} on ${set}` },
    ]);
  }
  return names;
}

/**
 * The Dataverse Web API for clients written against msdynmkt_contactpointconsent4: it translates
 * to the native service (the one upsert, the list, the store's reads) and never applies a consent
 * rule of its own. Writes are the row writer's.
 */
export class DataverseService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly consents: ConsentService,
    private readonly list: ConsentListService,
    private readonly store: Pick<ConsentStore, 'ready' | 'readByKey'>,
    private readonly parser: ContactPointParser,
  ) {
    this.writer = new DataverseRowWriter(catalog, consents, parser, (id) => this.findRecord(id));
  }

  private readonly writer: DataverseRowWriter;

  /** A collection, holding only what `scope` reaches (a scoped reader sees its profiles' rows). */
  async collection(query: CollectionQuery, scope: ProfileScope = 'all'): Promise<CollectionPage> {
    const spec = SETS[query.set]!;
    const filter = query.filter === undefined ? undefined : parseFilter(query.filter, spec.columns);
    const catalog = await this.catalog.current();
    const top = query.top === undefined ? undefined : Math.min(query.top, MAX_TOP);
    const select = (row: Row) => selectColumns(row, query.select, spec.id);
    if (top === 0) return { rows: [] };
    if (query.set !== CONSENT_SET) {
      const rows = this.catalogRows(query.set, catalog, scope).filter(
        (row) => !filter || evaluateFilter(filter, filterRow(row, spec.columns)),
      );
      return pageOfRows(rows, spec.id, query, top, select);
    }
    const reached = (record: ConsentRecord) =>
      reaches(scope, profileOf(catalog, record.purposeId, record.topicId));
    const matches = (row: Row) =>
      !filter || evaluateFilter(filter, filterRow(row, CONSENT_COLUMNS), this.addressEquality());
    const pinned = filter ? this.pinnedContactPoints(filter) : undefined;
    if (pinned) {
      const rows = (await this.rowsOf(pinned, catalog, reached)).filter(matches);
      return pageOfRows(rows, spec.id, query, top, select);
    }
    if (query.skipToken?.startsWith(ROW_TOKEN)) throw badSkipToken();
    // Everything else pages through the list; with $top, until it is reached.
    const channels = filter && pinnedValues(filter, 'msdynmkt_contactpointtype');
    const channel = channels?.length === 1 ? nameOf(CHANNEL_CODES, Number(channels[0])) : undefined;
    const rows: Row[] = [];
    let token = query.skipToken;
    do {
      const want = Math.min(query.maxPageSize, (top ?? Infinity) - rows.length);
      const page = await this.list.list(
        {
          ...(channel ? { channel } : {}),
          where: (record) => reached(record) && matches(consentRow(record, catalog)),
        },
        want,
        token,
      );
      rows.push(...page.records.map((record) => select(consentRow(record, catalog))));
      token = page.continuationToken;
    } while (top !== undefined && rows.length < top && token !== undefined);
    return { rows, ...(token !== undefined && top === undefined ? { skipToken: token } : {}) };
  }

  /** One row, if `scope` reaches it: another profile's row is as absent as one that does not exist. */
  async row(set: string, id: string, select?: readonly string[], scope: ProfileScope = 'all'): Promise<Row> {
    const spec = SETS[set]!;
    if (set !== CONSENT_SET) {
      const row = this.catalogRows(set, await this.catalog.current(), scope).find((r) => r[spec.id] === id);
      if (!row) throw new NotFoundError(`${set.slice(0, -1)} With Id = ${id} Does Not Exist`);
      return selectColumns(row, select, spec.id);
    }
    const { record } = await this.findRecord(id);
    const catalog = await this.catalog.current();
    if (!reaches(scope, profileOf(catalog, record.purposeId, record.topicId)))
      throw new NotFoundError(`msdynmkt_contactpointconsent4 With Id = ${id} Does Not Exist`);
    return selectColumns(consentRow(record, catalog), select, spec.id);
  }

  /** POST: creates the row, or updates the one for the same channel, address and purpose or topic. */
  create(body: unknown, actor: string | Actor, scope: ProfileScope = 'all'): Promise<WriteOutcome> {
    return this.writer.create(body, actor, scope);
  }

  /** PATCH: the columns the body names, onto the row as it is when the write commits. */
  update(
    id: string,
    body: unknown,
    conditions: { ifMatch?: string; ifNoneMatch?: string },
    actor: string | Actor,
    scope: ProfileScope = 'all',
  ): Promise<WriteOutcome> {
    return this.writer.update(id, body, conditions, actor, scope);
  }

  private async findRecord(id: string): Promise<{ record: ConsentRecord }> {
    const missing = () => new NotFoundError(`msdynmkt_contactpointconsent4 With Id = ${id} Does Not Exist`);
    const contactKey = contactKeyOfRecordId(id);
    if (!contactKey) throw missing();
    await this.store.ready();
    const found = await this.store.readByKey(contactKey);
    if (!found) throw missing();
    const { channel, address } = found.contactPoint;
    const matches = [...found.state.records.values()].filter(
      (stored) => recordId(channel, address, stored.purposeId, stored.topicId) === id.toLowerCase(),
    );
    // Two records of one contact point sharing 40 bits of their key digests: neither is guessed at.
    if (matches.length > 1) throw new ConflictError('Two records share this id; find them by contact point.');
    if (matches.length === 0) throw missing();
    return { record: toApiRecord(found.contactPoint, matches[0]!, await this.catalog.current()) };
  }

  /** Normalizes the literal compared with the address as the row's channel normalizes addresses. */
  private addressEquality() {
    return {
      equals: (column: string, rowValue: FilterValue, literal: FilterValue, row: FilterRow) => {
        if (column !== 'msdynmkt_contactpointvalue' || typeof literal !== 'string')
          return sameValue(rowValue, literal);
        const channel = nameOf(CHANNEL_CODES, Number(row.msdynmkt_contactpointtype));
        const normalized = channel ? this.parser.parse(channel, literal) : undefined;
        return normalized?.ok === true && normalized.address === rowValue;
      },
    };
  }

  /** The contact points a filter pins with `eq` at its top level, in every channel it allows. */
  private pinnedContactPoints(
    filter: FilterExpression,
  ): Array<{ channel: Channel; address: string }> | undefined {
    const addresses = pinnedValues(filter, 'msdynmkt_contactpointvalue');
    if (!addresses) return undefined;
    const codes = pinnedValues(filter, 'msdynmkt_contactpointtype');
    const channels = codes
      ? codes.flatMap((code) => nameOf(CHANNEL_CODES, Number(code)) ?? [])
      : [...CHANNELS];
    const points = new Map<string, { channel: Channel; address: string }>();
    for (const address of addresses) {
      if (typeof address !== 'string') continue;
      for (const channel of channels) {
        const normalized = this.parser.parse(channel, address);
        if (normalized.ok)
          points.set(`${channel}\u0000${normalized.address}`, { channel, address: normalized.address });
      }
    }
    return points.size <= MAX_POINT_READS ? [...points.values()] : undefined;
  }

  private async rowsOf(
    points: ReadonlyArray<{ channel: Channel; address: string }>,
    catalog: Catalog,
    reached: (record: ConsentRecord) => boolean,
  ): Promise<Row[]> {
    const states = await this.consents.readMany(points);
    return points.flatMap((point, i) =>
      [...states[i]!.records.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([, stored]) => toApiRecord(point, stored, catalog))
        .filter(reached)
        .map((record) => consentRow(record, catalog)),
    );
  }

  private catalogRows(set: string, catalog: Catalog, scope: ProfileScope): Row[] {
    const own = <T extends { profile: { id: string } }>(entries: Iterable<T>) =>
      [...entries].filter((entry) => reaches(scope, entry.profile.id));
    if (set === PURPOSE_SET) return own(catalog.purposes.values()).map((entry) => purposeRow(entry.purpose));
    return own(catalog.topics.values()).map((entry) => topicRow(entry.topic, entry.purpose));
  }
}
