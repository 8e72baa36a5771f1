import { z } from 'zod';
import type { Catalog } from '../domain/catalog';
import { normalizeContactPoint } from '../domain/contact-point';
import { CHANNELS, type Channel } from '../domain/model';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ServiceError,
  ValidationError,
  type ErrorDetail,
} from '../errors';
import type { ConsentRecord, UpsertResult } from '../api/common/common.schemas';
import type { ConsentRecordInput } from '../api/consents/consents.schemas';
import type { CatalogService } from '../services/catalog-service';
import type { ConsentListService } from '../services/consent-list';
import { toApiRecord, type ConsentService } from '../services/consent-service';
import type { ConsentStore } from '../storage/consent-store';
import { contactKeyOfRecordId, recordId } from '../storage/record-ids';
import { issueDetails } from '../utils/issue-details';
import {
  CHANNEL_CODES,
  CONSENT_TYPE_CODES,
  REASON_CODES,
  SOURCE_CODES,
  STATE_CODES,
  STATUS_CODES,
  VALUE_CODES,
  nameOf,
} from './codes';
import {
  catalogGuids,
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

const optionCode = (codes: Record<string, number>, column: string) =>
  z
    .number()
    .int()
    .refine((code) => Object.values(codes).includes(code), `not a value of the ${column} option set`);
const bind = z.string().max(500);

/** What a client may write on a consent row; anything else is refused, as Dataverse does. */
const consentBodySchema = z.strictObject({
  '@odata.type': z.string().optional(),
  msdynmkt_contactpointvalue: z.string().min(1).max(400).optional(),
  msdynmkt_contactpointtype: optionCode(CHANNEL_CODES, 'msdynmkt_contactpointtype').optional(),
  msdynmkt_contactpointconsenttype: optionCode(
    CONSENT_TYPE_CODES,
    'msdynmkt_contactpointconsenttype',
  ).optional(),
  msdynmkt_value: optionCode(VALUE_CODES, 'msdynmkt_value').optional(),
  msdynmkt_source: optionCode(SOURCE_CODES, 'msdynmkt_source').optional(),
  msdynmkt_logicalreason: optionCode(REASON_CODES, 'msdynmkt_logicalreason').optional(),
  msdynmkt_reason: z.string().max(500).nullable().optional(),
  msdynmkt_modifiedonbehalf: z.string().max(256).nullable().optional(),
  statecode: optionCode(STATE_CODES, 'statecode').optional(),
  statuscode: optionCode(STATUS_CODES, 'statuscode').optional(),
  'msdynmkt_purposeId@odata.bind': bind.optional(),
  'msdynmkt_topicId@odata.bind': bind.nullable().optional(),
  'ownerid@odata.bind': bind.optional(),
});
type ConsentBody = z.infer<typeof consentBodySchema>;

/** The GUID a `@odata.bind` names: `/msdynmkt_purposes(<guid>)`, with or without the slash or a base URL. */
function boundGuid(value: string, set: string, path: string): string {
  const match = new RegExp(
    `(?:^|/)${set}\\(([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\\)$`,
  ).exec(value.trim());
  if (!match)
    throw new ValidationError('A lookup is not valid.', [{ path, message: `bind it as /${set}(<guid>)` }]);
  return match[1]!.toLowerCase();
}

export interface WriteOutcome {
  record: ConsentRecord;
  row: Row;
}

/**
 * The Dataverse Web API for clients written against msdynmkt_contactpointconsent4: it translates
 * to the native service (the one upsert, the list, the store's reads) and never applies a consent
 * rule of its own.
 */
export class DataverseService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly consents: ConsentService,
    private readonly list: ConsentListService,
    private readonly store: Pick<ConsentStore, 'ready' | 'readByKey'>,
    private readonly defaultRegion: string,
  ) {}

  async collection(query: CollectionQuery): Promise<CollectionPage> {
    const spec = SETS[query.set]!;
    const filter = query.filter === undefined ? undefined : parseFilter(query.filter, spec.columns);
    const catalog = await this.catalog.current();
    const top = query.top === undefined ? undefined : Math.min(query.top, MAX_TOP);
    const select = (row: Row) => selectColumns(row, query.select, spec.id);
    if (top === 0) return { rows: [] };
    if (query.set !== CONSENT_SET) {
      const rows = this.catalogRows(query.set, catalog).filter(
        (row) => !filter || evaluateFilter(filter, filterRow(row, spec.columns)),
      );
      return pageOfRows(rows, spec.id, query, top, select);
    }
    const matches = (row: Row) =>
      !filter || evaluateFilter(filter, filterRow(row, CONSENT_COLUMNS), this.addressEquality());
    const pinned = filter ? this.pinnedContactPoints(filter) : undefined;
    if (pinned) {
      const rows = (await this.rowsOf(pinned, catalog)).filter(matches);
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
        { ...(channel ? { channel } : {}), where: (record) => matches(consentRow(record, catalog)) },
        want,
        token,
      );
      rows.push(...page.records.map((record) => select(consentRow(record, catalog))));
      token = page.continuationToken;
    } while (top !== undefined && rows.length < top && token !== undefined);
    return { rows, ...(token !== undefined && top === undefined ? { skipToken: token } : {}) };
  }

  async row(set: string, id: string, select?: readonly string[]): Promise<Row> {
    const spec = SETS[set]!;
    if (set !== CONSENT_SET) {
      const row = this.catalogRows(set, await this.catalog.current()).find((r) => r[spec.id] === id);
      if (!row) throw new NotFoundError(`${set.slice(0, -1)} With Id = ${id} Does Not Exist`);
      return selectColumns(row, select, spec.id);
    }
    const { record } = await this.findRecord(id);
    return selectColumns(consentRow(record, await this.catalog.current()), select, spec.id);
  }

  /** POST: creates the row, or updates the one for the same channel, address and purpose or topic. */
  async create(body: unknown, actor: string): Promise<WriteOutcome> {
    const parsed = this.parseBody(body);
    const catalog = await this.catalog.current();
    const input = this.createInput(parsed, catalog);
    return this.write(input, parsed.msdynmkt_modifiedonbehalf ?? actor, catalog);
  }

  /** The record a body that names every identifying column creates. */
  private createInput(parsed: ConsentBody, catalog: Catalog): ConsentRecordInput {
    const problems: ErrorDetail[] = [];
    const need = (field: keyof ConsentBody, message: string) => {
      if (parsed[field] === undefined) problems.push({ path: field, message });
    };
    need('msdynmkt_contactpointvalue', 'the contact point is required');
    need('msdynmkt_contactpointtype', 'the channel is required');
    need('msdynmkt_value', 'the consent value is required');
    need('msdynmkt_purposeId@odata.bind', 'the purpose is required: msdynmkt_purposeId@odata.bind');
    if (problems.length > 0) throw new ValidationError('The row cannot be created.', problems);
    const target = this.boundTarget(parsed, catalog);
    return {
      channel: nameOf(CHANNEL_CODES, parsed.msdynmkt_contactpointtype!)!,
      contactPoint: parsed.msdynmkt_contactpointvalue!,
      ...target,
      ...this.fields(parsed),
      value: nameOf(VALUE_CODES, parsed.msdynmkt_value!)!,
    } as ConsentRecordInput;
  }

  /**
   * PATCH with `If-None-Match: *` where no row is: Dataverse's create-only upsert. The body must name
   * the record whose id the URL holds; if someone creates it meanwhile, 412 and nothing changes.
   */
  private async createOnly(id: string, parsed: ConsentBody, actor: string): Promise<WriteOutcome> {
    const catalog = await this.catalog.current();
    const input = this.createInput(parsed, catalog);
    const normalized = normalizeContactPoint(input.channel, input.contactPoint, this.defaultRegion);
    if (
      !normalized.ok ||
      recordId(input.channel, normalized.address, input.purposeId, input.topicId) !== id
    ) {
      throw new NotFoundError(`msdynmkt_contactpointconsent4 With Id = ${id} Does Not Exist`);
    }
    return this.write({ ...input, ifVersion: null }, parsed.msdynmkt_modifiedonbehalf ?? actor, catalog);
  }

  /**
   * PATCH: changes the columns the body names, onto the row as it is when the write commits (a
   * change made meanwhile to another column stays); the columns that identify it cannot change.
   * `If-Match: W/"<v>"` that no longer matches, or `If-None-Match: *` on an existing row: 412;
   * `If-Match: *` (update only) and no such row: 404.
   */
  async update(
    id: string,
    body: unknown,
    conditions: { ifMatch?: string; ifNoneMatch?: string },
    actor: string,
  ): Promise<WriteOutcome> {
    const parsed = this.parseBody(body);
    const createOnly = conditions.ifNoneMatch?.trim() === '*';
    if (conditions.ifNoneMatch !== undefined && !createOnly) {
      throw new ServiceError('not-supported', 'If-None-Match is supported only as * (create only).');
    }
    let record: ConsentRecord;
    try {
      ({ record } = await this.findRecord(id));
    } catch (error) {
      if (createOnly && error instanceof NotFoundError) return this.createOnly(id, parsed, actor);
      throw error;
    }
    if (createOnly) throw new PreconditionFailedError('The row exists: If-None-Match: * only creates.');
    const catalog = await this.catalog.current();
    const current = consentRow(record, catalog);
    const problems: ErrorDetail[] = [];
    const unchangeable = (path: string, same: boolean) => {
      if (!same)
        problems.push({ path, message: 'identifies the row and cannot change; write a new row instead' });
    };
    if (parsed.msdynmkt_contactpointtype !== undefined) {
      unchangeable(
        'msdynmkt_contactpointtype',
        parsed.msdynmkt_contactpointtype === current.msdynmkt_contactpointtype,
      );
    }
    if (parsed.msdynmkt_contactpointvalue !== undefined) {
      const normalized = normalizeContactPoint(
        record.channel,
        parsed.msdynmkt_contactpointvalue,
        this.defaultRegion,
      );
      unchangeable('msdynmkt_contactpointvalue', normalized.ok && normalized.address === record.contactPoint);
    }
    if (parsed.msdynmkt_contactpointconsenttype !== undefined) {
      unchangeable(
        'msdynmkt_contactpointconsenttype',
        parsed.msdynmkt_contactpointconsenttype === current.msdynmkt_contactpointconsenttype,
      );
    }
    const guids = catalogGuids(catalog);
    if (parsed['msdynmkt_purposeId@odata.bind'] !== undefined) {
      const guid = boundGuid(
        parsed['msdynmkt_purposeId@odata.bind'],
        PURPOSE_SET,
        'msdynmkt_purposeId@odata.bind',
      );
      unchangeable(
        'msdynmkt_purposeId@odata.bind',
        guids.purposes.get(guid)?.purpose.id === record.purposeId,
      );
    }
    if (parsed['msdynmkt_topicId@odata.bind'] !== undefined) {
      const value = parsed['msdynmkt_topicId@odata.bind'];
      const topicId =
        value === null
          ? undefined
          : guids.topics.get(boundGuid(value, TOPIC_SET, 'msdynmkt_topicId@odata.bind'))?.topic.id;
      unchangeable('msdynmkt_topicId@odata.bind', topicId === record.topicId);
    }
    if (problems.length > 0) throw new ValidationError('The row cannot be updated.', problems);
    const fields = this.fields(parsed);
    const version = expectedVersion(conditions.ifMatch);
    const result = await this.consents.patch(
      { channel: record.channel, address: record.contactPoint },
      { purposeId: record.purposeId, ...(record.topicId !== undefined ? { topicId: record.topicId } : {}) },
      {
        ...(parsed.msdynmkt_value !== undefined
          ? { value: nameOf(VALUE_CODES, parsed.msdynmkt_value)! }
          : {}),
        ...(fields.source !== undefined ? { source: fields.source } : {}),
        ...(fields.reason !== undefined ? { reason: fields.reason } : {}),
        ...(parsed.msdynmkt_reason !== undefined ? { reasonDescription: parsed.msdynmkt_reason } : {}),
        ...(fields.status !== undefined ? { status: fields.status } : {}),
        ...(fields.owner !== undefined ? { owner: fields.owner } : {}),
      },
      parsed.msdynmkt_modifiedonbehalf ?? actor,
      version !== undefined ? { version } : undefined,
    );
    return this.outcome(result, catalog);
  }

  private async write(input: ConsentRecordInput, actor: string, catalog: Catalog): Promise<WriteOutcome> {
    const [result] = await this.consents.upsert([input], actor);
    return this.outcome(result!, catalog);
  }

  private outcome(result: UpsertResult, catalog: Catalog): WriteOutcome {
    if (result.outcome === 'conflict' || !result.record) throw new PreconditionFailedError();
    return { record: result.record, row: consentRow(result.record, catalog) };
  }

  private parseBody(body: unknown): ConsentBody {
    const parsed = consentBodySchema.safeParse(body);
    if (!parsed.success) {
      const unknown = parsed.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys' ? issue.keys : [],
      );
      if (unknown.length > 0) {
        throw new ValidationError(
          `The property '${unknown[0]}' does not exist on type 'Microsoft.Dynamics.CRM.msdynmkt_contactpointconsent4', or cannot be written.`,
          issueDetails(parsed.error.issues),
        );
      }
      throw new ValidationError('The row is not valid.', issueDetails(parsed.error.issues));
    }
    if (
      parsed.data.statecode !== undefined &&
      parsed.data.statuscode !== undefined &&
      nameOf(STATE_CODES, parsed.data.statecode) !== nameOf(STATUS_CODES, parsed.data.statuscode)
    ) {
      throw new ValidationError('The row is not valid.', [
        { path: 'statuscode', message: 'does not go with statecode' },
      ]);
    }
    return parsed.data;
  }

  /** The consent fields a body sets (only those it names). */
  private fields(body: ConsentBody): Partial<ConsentRecordInput> {
    const status =
      body.statecode !== undefined
        ? nameOf(STATE_CODES, body.statecode)
        : body.statuscode !== undefined
          ? nameOf(STATUS_CODES, body.statuscode)
          : undefined;
    return {
      ...(body.msdynmkt_source !== undefined ? { source: nameOf(SOURCE_CODES, body.msdynmkt_source)! } : {}),
      ...(body.msdynmkt_logicalreason !== undefined
        ? { reason: nameOf(REASON_CODES, body.msdynmkt_logicalreason)! }
        : {}),
      ...(body.msdynmkt_reason !== undefined ? { reasonDescription: body.msdynmkt_reason ?? undefined } : {}),
      ...(status ? { status } : {}),
      ...(body['ownerid@odata.bind'] !== undefined
        ? { owner: boundGuid(body['ownerid@odata.bind'], 'systemusers', 'ownerid@odata.bind') }
        : {}),
    };
  }

  /** The purpose and topic a new row binds to, checked against each other and the consent type. */
  private boundTarget(body: ConsentBody, catalog: Catalog): { purposeId: string; topicId?: string } {
    const guids = catalogGuids(catalog);
    const purposeGuid = boundGuid(
      body['msdynmkt_purposeId@odata.bind']!,
      PURPOSE_SET,
      'msdynmkt_purposeId@odata.bind',
    );
    const purpose = guids.purposes.get(purposeGuid);
    if (!purpose)
      throw new ValidationError('The purpose does not exist.', [
        {
          path: 'msdynmkt_purposeId@odata.bind',
          message: `msdynmkt_purpose With Id = ${purposeGuid} Does Not Exist`,
        },
      ]);
    const topicBind = body['msdynmkt_topicId@odata.bind'];
    const wantsTopic = body.msdynmkt_contactpointconsenttype === CONSENT_TYPE_CODES.topic;
    if (topicBind === undefined || topicBind === null) {
      if (wantsTopic)
        throw new ValidationError('A topic row needs its topic.', [
          {
            path: 'msdynmkt_topicId@odata.bind',
            message: 'required when msdynmkt_contactpointconsenttype is topic (534120001)',
          },
        ]);
      return { purposeId: purpose.purpose.id };
    }
    const topicGuid = boundGuid(topicBind, TOPIC_SET, 'msdynmkt_topicId@odata.bind');
    const topic = guids.topics.get(topicGuid);
    if (!topic)
      throw new ValidationError('The topic does not exist.', [
        {
          path: 'msdynmkt_topicId@odata.bind',
          message: `msdynmkt_topic With Id = ${topicGuid} Does Not Exist`,
        },
      ]);
    if (topic.purpose.id !== purpose.purpose.id)
      throw new ValidationError('The topic is not under that purpose.', [
        { path: 'msdynmkt_topicId@odata.bind', message: 'the topic belongs to another purpose' },
      ]);
    if (body.msdynmkt_contactpointconsenttype === CONSENT_TYPE_CODES.purpose)
      throw new ValidationError('A purpose row names no topic.', [
        {
          path: 'msdynmkt_contactpointconsenttype',
          message: 'is purpose (534120000) while a topic is bound',
        },
      ]);
    return { purposeId: purpose.purpose.id, topicId: topic.topic.id };
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
        const normalized = channel ? normalizeContactPoint(channel, literal, this.defaultRegion) : undefined;
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
        const normalized = normalizeContactPoint(channel, address, this.defaultRegion);
        if (normalized.ok)
          points.set(`${channel}\u0000${normalized.address}`, { channel, address: normalized.address });
      }
    }
    return points.size <= MAX_POINT_READS ? [...points.values()] : undefined;
  }

  private async rowsOf(
    points: ReadonlyArray<{ channel: Channel; address: string }>,
    catalog: Catalog,
  ): Promise<Row[]> {
    const states = await this.consents.readMany(points);
    return points.flatMap((point, i) =>
      [...states[i]!.records.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([, stored]) => consentRow(toApiRecord(point, stored, catalog), catalog)),
    );
  }

  private catalogRows(set: string, catalog: Catalog): Row[] {
    if (set === PURPOSE_SET) return [...catalog.purposes.values()].map((entry) => purposeRow(entry.purpose));
    return [...catalog.topics.values()].map((entry) => topicRow(entry.topic, entry.purpose));
  }
}

/** `$skiptoken` of a collection answered from rows in memory: `r.<offset>.<id of the last row served>`. */
const ROW_TOKEN = 'r.';

const badSkipToken = () =>
  new ValidationError('The $skiptoken is not valid.', [
    { path: '$skiptoken', message: 'not a token from this collection; follow @odata.nextLink as given' },
  ]);

/**
 * One page of rows held in memory (a pinned filter, purposes, topics): `$top` rows at most, else
 * `odata.maxpagesize` a page with a token that resumes after the last row served (found by its id,
 * so a row added meanwhile neither repeats nor hides one).
 */
function pageOfRows(
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

/** The version an `If-Match` names (`W/"12"`); `*` and none name no version. */
export function expectedVersion(ifMatch: string | undefined): string | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const match = /^(?:W\/)?"([^"]*)"$/.exec(ifMatch.trim());
  if (!match)
    throw new ServiceError('precondition-failed', 'The If-Match header is not an ETag of this row.');
  return match[1];
}
