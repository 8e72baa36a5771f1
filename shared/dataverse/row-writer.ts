import { asActor, type Actor, type ProfileScope } from '../domain/access';
import { profileOf, reaches, requireScope } from '../services/profile-scope';
import type { ConsentRecord, UpsertResult } from '../api/common/common.schemas';
import type { ConsentRecordInput } from '../api/consents/consents.schemas';
import type { Catalog } from '../domain/catalog';
import type { ContactPointParser } from '../domain/contact-point';
import {
  NotFoundError,
  ConflictError,
  PreconditionFailedError,
  ServiceError,
  ValidationError,
  type ErrorDetail,
} from '../errors';
import type { CatalogService } from '../services/catalog-service';
import type { ConsentService } from '../services/consent-service';
import { recordId } from '../storage/record-ids';
import { VALUE_CODES, nameOf } from './codes';
import { catalogGuids, consentRow, PURPOSE_SET, TOPIC_SET, type Row } from './entities';
import { boundGuid, createInput, fieldsOf, parseBody, type ConsentBody } from './row-body';

export interface WriteOutcome {
  record: ConsentRecord;
  row: Row;
}

/**
 * Dataverse writes of consent rows (POST creates or updates, PATCH with its conditions), translated
 * to the native upsert and patch: no consent rule of their own.
 */
export class DataverseRowWriter {
  constructor(
    private readonly catalog: CatalogService,
    private readonly consents: ConsentService,
    private readonly parser: ContactPointParser,
    /** The stored record a row id names, or a NotFoundError. */
    private readonly find: (id: string) => Promise<{ record: ConsentRecord }>,
  ) {}
  /** POST: creates the row, or updates the one for the same channel, address and purpose or topic. */
  async create(body: unknown, actor: string | Actor, scope: ProfileScope = 'all'): Promise<WriteOutcome> {
    const parsed = parseBody(body);
    const catalog = await this.catalog.current();
    const input = createInput(parsed, catalog);
    requireRowScope(scope, profileOf(catalog, input.purposeId, input.topicId));
    return this.write(input, writtenBy(actor, parsed.msdynmkt_modifiedonbehalf), catalog);
  }

  /**
   * PATCH with `If-None-Match: *` where no row is: Dataverse's create-only upsert. The body must name
   * the record whose id the URL holds; if someone creates it meanwhile, 412 and nothing changes.
   */
  private async createOnly(
    id: string,
    parsed: ConsentBody,
    actor: string | Actor,
    scope: ProfileScope,
  ): Promise<WriteOutcome> {
    const catalog = await this.catalog.current();
    const input = createInput(parsed, catalog);
    requireRowScope(scope, profileOf(catalog, input.purposeId, input.topicId));
    const normalized = this.parser.parse(input.channel, input.contactPoint);
    if (
      !normalized.ok ||
      recordId(input.channel, normalized.address, input.purposeId, input.topicId) !== id
    ) {
      throw new NotFoundError(`msdynmkt_contactpointconsent4 With Id = ${id} Does Not Exist`);
    }
    return this.write(
      { ...input, ifVersion: null },
      writtenBy(actor, parsed.msdynmkt_modifiedonbehalf),
      catalog,
    );
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
    actor: string | Actor,
    scope: ProfileScope = 'all',
  ): Promise<WriteOutcome> {
    const parsed = parseBody(body);
    const createOnly = conditions.ifNoneMatch?.trim() === '*';
    if (conditions.ifNoneMatch !== undefined && !createOnly) {
      throw new ServiceError('not-supported', 'If-None-Match is supported only as * (create only).');
    }
    let record: ConsentRecord;
    try {
      ({ record } = await this.find(id));
    } catch (error) {
      if (createOnly && error instanceof NotFoundError) return this.createOnly(id, parsed, actor, scope);
      throw error;
    }
    const catalog = await this.catalog.current();
    // Another profile's row is as absent as one that does not exist.
    if (!reaches(scope, profileOf(catalog, record.purposeId, record.topicId)))
      throw new NotFoundError(`msdynmkt_contactpointconsent4 With Id = ${id} Does Not Exist`);
    if (createOnly) throw new PreconditionFailedError('The row exists: If-None-Match: * only creates.');
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
      const normalized = this.parser.parse(record.channel, parsed.msdynmkt_contactpointvalue);
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
    const fields = fieldsOf(parsed);
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
      writtenBy(actor, parsed.msdynmkt_modifiedonbehalf),
      version !== undefined ? { version } : undefined,
    );
    return this.outcome(result, catalog);
  }

  private async write(
    input: ConsentRecordInput,
    actor: string | Actor,
    catalog: Catalog,
  ): Promise<WriteOutcome> {
    const [result] = await this.consents.upsert([input], actor);
    return this.outcome(result!, catalog);
  }

  private outcome(result: UpsertResult, catalog: Catalog): WriteOutcome {
    if (result.outcome === 'suppressed') {
      throw new ConflictError(
        'The person had this contact point erased: only an opt-in they give themselves lifts that.',
      );
    }
    if (result.outcome === 'conflict' || !result.record) throw new PreconditionFailedError();
    return { record: result.record, row: consentRow(result.record, catalog) };
  }
}

/** The version an `If-Match` names (`W/"12"`); `*` and none name no version. */
export function expectedVersion(ifMatch: string | undefined): string | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const match = /^(?:W\/)?"([^"]*)"$/.exec(ifMatch.trim());
  if (!match)
    throw new ServiceError('precondition-failed', 'The If-Match header is not an ETag of this row.');
  return match[1];
}

/**
 * Who a row's change is recorded as: `msdynmkt_modifiedonbehalf` names whom the client acted for.
 * An authenticated identity stays the actor (the column is kept as `onBehalfOf`); with a function
 * key, as before, the column is the actor.
 */
function writtenBy(actor: string | Actor, onBehalf: string | null | undefined): Actor {
  const by = asActor(actor);
  if (!onBehalf) return by;
  return by.id !== undefined ? { ...by, onBehalfOf: onBehalf } : { ...by, name: onBehalf };
}

/** A row of a profile the caller's Consent.Write does not reach: 403, nothing written. */
function requireRowScope(scope: ProfileScope, profileId: string | undefined): void {
  requireScope(scope, 'Consent.Write', [{ path: 'msdynmkt_purposeId@odata.bind', profileId }]);
}
