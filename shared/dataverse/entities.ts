import type { Catalog, PurposeEntry, TopicEntry } from '../domain/catalog';
import type { Profile, Purpose, Topic } from '../domain/model';
import type { ConsentRecord } from '../api/common/common.schemas';
import { uuidV5, RECORD_ID_NAMESPACE } from '../storage/record-ids';
import {
  CHANNEL_CODES,
  CONSENT_TYPE_CODES,
  PURPOSE_TYPE_CODES,
  REASON_CODES,
  SOURCE_CODES,
  STATE_CODES,
  STATUS_CODES,
  VALUE_CODES,
} from './codes';
import type { ColumnSpec, FilterRow, FilterValue } from './odata-filter';

export const CONSENT_SET = 'msdynmkt_contactpointconsent4s';
export const PURPOSE_SET = 'msdynmkt_purposes';
export const TOPIC_SET = 'msdynmkt_topics';
export const CONSENT_ID = 'msdynmkt_contactpointconsent4id';

/** A row as Dataverse answers it: annotations and columns. */
export type Row = Record<string, string | number | null>;

/** The columns of a consent row, typed for `$filter`. */
export const CONSENT_COLUMNS: Readonly<Record<string, ColumnSpec>> = {
  [CONSENT_ID]: { type: 'guid' },
  msdynmkt_contactpointvalue: { type: 'string' },
  msdynmkt_contactpointtype: { type: 'integer' },
  msdynmkt_contactpointconsenttype: { type: 'integer' },
  msdynmkt_value: { type: 'integer' },
  _msdynmkt_purposeid_value: { type: 'guid' },
  _msdynmkt_topicid_value: { type: 'guid', nullable: true },
  msdynmkt_source: { type: 'integer' },
  msdynmkt_logicalreason: { type: 'integer' },
  msdynmkt_reason: { type: 'string', nullable: true },
  msdynmkt_modifiedonbehalf: { type: 'string', nullable: true },
  statecode: { type: 'integer' },
  statuscode: { type: 'integer' },
  _ownerid_value: { type: 'guid', nullable: true },
  createdon: { type: 'datetime', ordered: true },
  modifiedon: { type: 'datetime', ordered: true },
  versionnumber: { type: 'integer' },
};

export const PURPOSE_COLUMNS: Readonly<Record<string, ColumnSpec>> = {
  msdynmkt_purposeid: { type: 'guid' },
  msdynmkt_name: { type: 'string' },
  msdynmkt_type: { type: 'integer' },
};

export const TOPIC_COLUMNS: Readonly<Record<string, ColumnSpec>> = {
  msdynmkt_topicid: { type: 'guid' },
  msdynmkt_name: { type: 'string' },
  _msdynmkt_purposeid_value: { type: 'guid' },
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A purpose's or topic's GUID: its own `dataverseId`, else a fixed UUID v5 of its id. */
export function purposeGuid(purpose: Pick<Purpose, 'id' | 'dataverseId'>): string {
  return purpose.dataverseId ?? uuidV5(RECORD_ID_NAMESPACE, `purpose\n${purpose.id}`);
}

export function topicGuid(topic: Pick<Topic, 'id' | 'dataverseId'>): string {
  return topic.dataverseId ?? uuidV5(RECORD_ID_NAMESPACE, `topic\n${topic.id}`);
}

/** A profile's GUID (a compliance profile to Customer Insights - Journeys), the same way. */
export function profileGuid(profile: Pick<Profile, 'id' | 'dataverseId'>): string {
  return profile.dataverseId ?? uuidV5(RECORD_ID_NAMESPACE, `profile\n${profile.id}`);
}

interface Guids {
  profiles: Map<string, Profile>;
  purposes: Map<string, PurposeEntry>;
  topics: Map<string, TopicEntry>;
}

const guidsOf = new WeakMap<Catalog, Guids>();

/** Every profile, purpose and topic of a catalog by its GUID. */
export function catalogGuids(catalog: Catalog): Guids {
  let guids = guidsOf.get(catalog);
  if (!guids) {
    guids = { profiles: new Map(), purposes: new Map(), topics: new Map() };
    for (const profile of catalog.profiles.values()) guids.profiles.set(profileGuid(profile), profile);
    for (const entry of catalog.purposes.values()) guids.purposes.set(purposeGuid(entry.purpose), entry);
    for (const entry of catalog.topics.values()) guids.topics.set(topicGuid(entry.topic), entry);
    guidsOf.set(catalog, guids);
  }
  return guids;
}

/** Dataverse writes times to the second, with a Z. */
const dataverseTime = (iso: string) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A consent record as a msdynmkt_contactpointconsent4 row. */
export function consentRow(record: ConsentRecord, catalog: Catalog): Row {
  const purpose = catalog.purposes.get(record.purposeId)?.purpose ?? { id: record.purposeId };
  const topic =
    record.topicId === undefined
      ? undefined
      : (catalog.topics.get(record.topicId)?.topic ?? { id: record.topicId });
  const owner =
    record.owner !== undefined && GUID.test(record.owner.toLowerCase()) ? record.owner.toLowerCase() : null;
  return {
    '@odata.etag': `W/"${record.version}"`,
    [CONSENT_ID]: record.id,
    msdynmkt_contactpointvalue: record.contactPoint,
    msdynmkt_contactpointtype: CHANNEL_CODES[record.channel],
    msdynmkt_contactpointconsenttype: topic ? CONSENT_TYPE_CODES.topic : CONSENT_TYPE_CODES.purpose,
    msdynmkt_value: VALUE_CODES[record.value],
    _msdynmkt_purposeid_value: purposeGuid(purpose),
    _msdynmkt_topicid_value: topic ? topicGuid(topic) : null,
    msdynmkt_source: SOURCE_CODES[record.source],
    msdynmkt_logicalreason: REASON_CODES[record.reason],
    msdynmkt_reason: record.reasonDescription ?? null,
    msdynmkt_modifiedonbehalf: record.modifiedBy,
    statecode: STATE_CODES[record.status],
    statuscode: STATUS_CODES[record.status],
    _ownerid_value: owner,
    createdon: dataverseTime(record.createdAt),
    modifiedon: dataverseTime(record.modifiedAt),
    versionnumber: Number(record.version),
  };
}

export function purposeRow(purpose: Purpose): Row {
  return {
    msdynmkt_purposeid: purposeGuid(purpose),
    msdynmkt_name: purpose.name,
    msdynmkt_type: PURPOSE_TYPE_CODES[purpose.type],
  };
}

export function topicRow(topic: Topic, purpose: Purpose): Row {
  return {
    msdynmkt_topicid: topicGuid(topic),
    msdynmkt_name: topic.name,
    _msdynmkt_purposeid_value: purposeGuid(purpose),
  };
}

/** A row's values as `$filter` compares them: GUID and date-time columns as such. */
export function filterRow(row: Row, columns: Readonly<Record<string, ColumnSpec>>): FilterRow {
  const values: Record<string, FilterValue> = {};
  for (const [name, spec] of Object.entries(columns)) {
    const value = row[name];
    if (value === undefined || value === null) values[name] = null;
    else if (spec.type === 'guid') values[name] = { guid: String(value).toLowerCase() };
    else if (spec.type === 'datetime') values[name] = { datetime: Date.parse(String(value)) };
    else values[name] = value;
  }
  return values;
}

/** `$select`: the named columns, plus the id and the ETag a Dataverse row always carries. */
export function selectColumns(row: Row, select: readonly string[] | undefined, idColumn: string): Row {
  if (!select) return row;
  const picked: Row = {};
  if ('@odata.etag' in row) picked['@odata.etag'] = row['@odata.etag']!;
  for (const name of [...select, idColumn]) picked[name] = row[name] ?? null;
  return picked;
}
