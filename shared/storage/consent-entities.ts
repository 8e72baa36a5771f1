import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { TableEntity, TableEntityResult } from '@azure/data-tables';
import type { ContactPoint } from '../domain/contact-point';
import type { Erasure } from '../domain/erasure';
import type { SuppressionState } from '../domain/suppression';
import type { PendingConfirmation, Source, StoredConsent } from '../domain/model';
import { CapacityError, ValidationError } from '../errors';
import {
  asciiJson,
  BINARY_CHUNK_BYTES,
  fromBinaryChunks,
  fromChunks,
  toBinaryChunks,
  toChunks,
} from './chunks';
import type { ContactPointState, HistoryEntry, NextState, SendLog } from './consent-store';
import { contactPointKey, historyRowKey, STATE_ROW_KEY } from './keys';
import { erasedEventKey, isErasedEventKey, subjectOf } from './subject-key';

/*
 * How a contact point is stored, apart from the client that stores it: pure conversions between
 * the service's state and Table Storage entities, unit-tested without a store.
 *
 * One partition per contact point: the state entity (every record, read with one point read) and
 * one history entity per commit, holding all of that commit's entries (compressed), so whatever a
 * request changes on a contact point is one transaction however many records it names.
 */

export type Entity = TableEntity<Record<string, unknown>>;

// A state entity may hold up to 1 MiB; we stop well short so Azure, Cosmos DB and Azurite all agree.
const MAX_STATE_CHARS = 400_000;
/** 14 binary chunks of 64 KiB keep a history entity well under 1 MiB. */
const MAX_HISTORY_CHUNKS = 14;
const TOKEN_PATTERN = /^h\d{16}$/;

/** What a contact point holds before its first commit. */
export function emptyState(): ContactPointState {
  return {
    records: new Map(),
    seen: new Map(),
    pending: new Map(),
    events: new Map(),
    sequence: 0,
    feedAt: 0,
    etag: null,
  };
}

const mapJson = (map: ReadonlyMap<string, unknown>) =>
  map.size === 0 ? '' : asciiJson(Object.fromEntries(map));
const parsed = <T>(json: string): Record<string, T> =>
  json === '' ? {} : (JSON.parse(json) as Record<string, T>);

/**
 * The state entity a commit stores, its sequence set when the commit writes history (the feed
 * position and head are set when it is sent); a CapacityError if it would not fit.
 */
export function stateEntityOf(contactPoint: ContactPoint, next: NextState, lastSequence?: number): Entity {
  const records = asciiJson(Object.fromEntries(next.records));
  const seen = mapJson(next.seen);
  const pending = mapJson(next.pending);
  const events = mapJson(next.events);
  const suppression = next.suppression ? asciiJson(next.suppression) : '';
  if (records.length + seen.length + pending.length + events.length + suppression.length > MAX_STATE_CHARS) {
    throw new CapacityError('This contact point would hold more consent records than the store allows.');
  }
  return {
    partitionKey: contactPointKey(contactPoint.channel, contactPoint.address),
    rowKey: STATE_ROW_KEY,
    channel: contactPoint.channel,
    address: contactPoint.address,
    ...(lastSequence !== undefined ? { sequence: lastSequence } : {}),
    ...toChunks(records, 'r'),
    ...(seen === '' ? {} : toChunks(seen, 'm')),
    ...(pending === '' ? {} : toChunks(pending, 'q')),
    ...(events === '' ? {} : toChunks(events, 'e')),
    ...(suppression === '' ? {} : toChunks(suppression, 's')),
  };
}

/** Characters of one string property (Table Storage: 64 KiB of UTF-16). */
const MAX_PROPERTY_CHARS = 32_000;

/**
 * The send log as the state entity keeps it: one property, so a counted send is one merge of it.
 * Each profile keeps at most its largest cap's sends of the last 30 days (200 at most).
 */
export function sendLogProps(sends: SendLog | undefined): Record<string, string> {
  if (!sends || Object.keys(sends).length === 0) return {};
  const json = JSON.stringify(sends);
  if (json.length > MAX_PROPERTY_CHARS)
    throw new CapacityError('This contact point has had more capped sends than the store keeps.');
  return { f: json };
}

/**
 * The history entity of one commit: its entries compressed, keyed by its first sequence, with the
 * contact point they are of (what the change feed serves; an erasure deletes it with the row); a
 * CapacityError if too large.
 */
export function historyEntityOf(
  contactPoint: ContactPoint,
  partitionKey: string,
  entries: readonly HistoryEntry[],
  commit: string,
): Entity {
  const packed = deflateRawSync(Buffer.from(asciiJson(entries), 'utf8'));
  if (packed.length > BINARY_CHUNK_BYTES * MAX_HISTORY_CHUNKS) {
    throw new CapacityError('One request changes more on this contact point than one commit can hold.');
  }
  const last = entries[entries.length - 1]!;
  return {
    partitionKey,
    rowKey: historyRowKey(entries[0]!.sequence),
    commit,
    first: entries[0]!.sequence,
    count: entries.length,
    at: last.at,
    actor: last.actor,
    channel: contactPoint.channel,
    address: contactPoint.address,
    ...toBinaryChunks(packed, 'z'),
  };
}

/**
 * The state entity an erasure leaves: no address and no records, only the keyed digest of the address
 * (which a read checks, as it checks the address of a live contact point) and the sequence, so later
 * history never reuses a row key. `erasureProps` add the erasure itself when it is committed.
 */
export function tombstoneEntityOf(
  contactPoint: ContactPoint,
  sequence: number,
  events: ReadonlyMap<string, string>,
): Entity {
  // Provider events seen are kept keyed: a replay of one still changes nothing.
  const kept = new Map([...events].map(([id, at]) => [isErasedEventKey(id) ? id : erasedEventKey(id), at]));
  const keptJson = mapJson(kept);
  return {
    partitionKey: contactPointKey(contactPoint.channel, contactPoint.address),
    rowKey: STATE_ROW_KEY,
    channel: contactPoint.channel,
    sequence,
    r0: '{}',
    ...(keptJson === '' ? {} : toChunks(keptJson, 'e')),
  };
}

/** What every state entity of an erased contact point carries: the erasure, and whether history is still being deleted. */
export function erasureProps(contactPoint: ContactPoint, erasure: Erasure, purging: boolean): Entity {
  return {
    partitionKey: contactPointKey(contactPoint.channel, contactPoint.address),
    rowKey: STATE_ROW_KEY,
    subject: subjectOf(contactPoint.channel, contactPoint.address),
    erasure: JSON.stringify(erasure),
    purging,
  };
}

/** The erasure's own history row: what the change feed serves of it (no address, no content). */
export function erasureEntityOf(contactPoint: ContactPoint, erasure: Erasure): Entity {
  return {
    partitionKey: contactPointKey(contactPoint.channel, contactPoint.address),
    rowKey: historyRowKey(erasure.sequence),
    commit: erasure.id,
    kind: 'erasure',
    first: erasure.sequence,
    count: 0,
    at: erasure.at,
    actor: erasure.actor,
    channel: contactPoint.channel,
    subject: subjectOf(contactPoint.channel, contactPoint.address),
    erasure: JSON.stringify(erasure),
  };
}

/** Whether a history row is an erasure's: every row after it (older) was erased. */
export function isErasureRow(entity: Record<string, unknown>): boolean {
  return entity.kind === 'erasure';
}

/** The erasure a row or state entity carries, if any. */
export function erasureOf(entity: Record<string, unknown>): Erasure | undefined {
  return typeof entity.erasure === 'string' ? (JSON.parse(entity.erasure) as Erasure) : undefined;
}

/** A stored state entity as the service's state. */
export function stateOf(entity: TableEntityResult<Record<string, unknown>>): ContactPointState {
  const erased = erasureOf(entity);
  return {
    ...(erased ? { erased, ...(entity.purging === true ? { purging: true } : {}) } : {}),
    records: new Map(Object.entries(parsed<StoredConsent>(fromChunks(entity, 'r')))),
    seen: new Map(Object.entries(parsed<string>(fromChunks(entity, 'm')))),
    pending: new Map(Object.entries(parsed<PendingConfirmation>(fromChunks(entity, 'q')))),
    events: new Map(Object.entries(parsed<string>(fromChunks(entity, 'e')))),
    ...(fromChunks(entity, 's') !== ''
      ? { suppression: JSON.parse(fromChunks(entity, 's')) as SuppressionState }
      : {}),
    ...(typeof entity.f === 'string' && entity.f !== '' ? { sends: JSON.parse(entity.f) as SendLog } : {}),
    sequence: Number(entity.sequence ?? 0),
    ...(typeof entity.head === 'number' ? { head: entity.head } : {}),
    feedAt: typeof entity.feedAt === 'number' ? entity.feedAt : 0,
    etag: entity.etag,
  };
}

/** The records of a state entity alone (what a scan reads). */
export function recordsOf(entity: Record<string, unknown>): Map<string, StoredConsent> {
  return new Map(Object.entries(parsed<StoredConsent>(fromChunks(entity, 'r'))));
}

/** The entries of one history entity, newest first (single-entry entities are an older layout). */
export function entriesOf(entity: Record<string, unknown>): HistoryEntry[] {
  if (isErasureRow(entity)) return [];
  if (entity.z0 instanceof Uint8Array) {
    const entries = JSON.parse(inflateRawSync(fromBinaryChunks(entity, 'z')).toString('utf8'));
    return (entries as HistoryEntry[]).reverse();
  }
  const before = entity.before as string;
  return [
    {
      sequence: Number(entity.sequence),
      at: entity.at as string,
      actor: entity.actor as string,
      purposeId: entity.purposeId as string,
      ...(typeof entity.topicId === 'string' ? { topicId: entity.topicId } : {}),
      source: entity.source as Source,
      before: before === '' ? null : (JSON.parse(before) as StoredConsent),
      after: JSON.parse(entity.after as string) as StoredConsent,
    },
  ];
}

export function encodeContinuationToken(rowKey: string): string {
  return Buffer.from(rowKey, 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string): string {
  const rowKey = Buffer.from(token, 'base64url').toString('utf8');
  if (!TOKEN_PATTERN.test(rowKey)) {
    throw new ValidationError('The continuation token is not valid.', [
      { path: 'continuationToken', message: 'not a token this service issued' },
    ]);
  }
  return rowKey;
}
