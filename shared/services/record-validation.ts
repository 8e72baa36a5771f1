import type { z } from 'zod';
import {
  consentRecordInputSchema,
  consentReferencesSchema,
  METADATA_FIELDS,
  type ConsentRecordInput,
} from '../api/consents/consents.schemas';
import type { Catalog } from '../domain/catalog';
import { effectiveCaptureTime, type ConsentWrite } from '../domain/consent-change';
import type { ContactPoint, ContactPointParser } from '../domain/contact-point';
import { ValidationError, type ErrorDetail } from '../errors';
import { itemIssueDetails } from '../utils/issue-details';

/** One record of a request, valid and normalized: where it goes, what it writes, what it requires. */
export interface ValidatedRecord {
  index: number;
  contactPoint: ContactPoint;
  write: ConsentWrite;
  /** The version the writer read (`null`: none stored), when it says what it saw. */
  ifVersion?: string | null;
  /** An opt-out's metadata left out so that it could be applied. */
  ignored: ErrorDetail[];
}

type RecordReferences = z.infer<typeof consentReferencesSchema>;

/**
 * Validates every record of a request on its own, so one 400 names every bad index and path, and
 * throws before anything is written if one is bad. A capture time later than receipt counts as
 * receipt time; an opt-out is never refused for its metadata (see `forgiveOptOut`).
 */
export function validateRecords(
  inputs: readonly unknown[],
  catalog: Catalog,
  parser: ContactPointParser,
  receivedAt: Date,
): ValidatedRecord[] {
  const problems: ErrorDetail[] = [];
  const valid: ValidatedRecord[] = [];
  inputs.forEach((given, index) => {
    const { raw, ignored } = forgiveOptOut(given, index);
    const parsed = consentRecordInputSchema.safeParse(raw);
    if (!parsed.success) {
      const details = itemIssueDetails(parsed.error.issues, 'records', index);
      problems.push(...details);
      // The fields that did parse are still checked, so one answer names every bad path.
      const reported = new Set(details.map((d) => d.path));
      const fresh: ErrorDetail[] = [];
      checkReferences(looseReferences(raw), index, catalog, parser, fresh);
      problems.push(...fresh.filter((d) => !reported.has(d.path)));
      return;
    }
    const input = parsed.data;
    const before = problems.length;
    const address = checkReferences(input, index, catalog, parser, problems);
    if (input.expiresAt !== undefined && input.value !== 'optedIn')
      problems.push({
        index,
        path: `records[${index}].expiresAt`,
        message: 'only an optedIn record expires',
      });
    if (problems.length > before || address === undefined) return;
    valid.push({
      index,
      contactPoint: { channel: input.channel, address },
      write: writeOf(input, catalog, receivedAt),
      ...(input.ifVersion !== undefined ? { ifVersion: input.ifVersion } : {}),
      ignored,
    });
  });
  if (problems.length > 0)
    throw new ValidationError('Some records are not valid; nothing was written.', problems);
  return valid;
}

function writeOf(input: ConsentRecordInput, catalog: Catalog, receivedAt: Date): ConsentWrite {
  return {
    purposeId: input.purposeId,
    ...(input.topicId !== undefined ? { topicId: input.topicId } : {}),
    value: input.value,
    source: input.source,
    reason: input.reason,
    ...(input.reasonDescription !== undefined ? { reasonDescription: input.reasonDescription } : {}),
    status: input.status,
    ...(input.owner !== undefined ? { owner: input.owner } : {}),
    capturedAt: effectiveCaptureTime(input.capturedAt, receivedAt),
    ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt } : {}),
    ...lifetimeOf(catalog, input.purposeId, input.topicId),
  };
}

/** A purpose's lifetime for new opt-ins to it or to one of its topics, as a write carries it. */
export function lifetimeOf(catalog: Catalog, purposeId: string, topicId?: string): { lifetimeDays?: number } {
  const purpose =
    topicId !== undefined ? catalog.topics.get(topicId)?.purpose : catalog.purposes.get(purposeId)?.purpose;
  const days = purpose?.consentLifetimeDays;
  return days !== undefined ? { lifetimeDays: days } : {};
}

/** The fields of a record that failed its schema which still have the right shape to be checked. */
function looseReferences(raw: unknown): RecordReferences {
  const parsed = consentReferencesSchema.safeParse(raw);
  return parsed.success ? parsed.data : {};
}

/** Checks what the schema cannot: the address, a known purpose and a topic under it. */
function checkReferences(
  input: RecordReferences,
  index: number,
  catalog: Catalog,
  parser: ContactPointParser,
  problems: ErrorDetail[],
): string | undefined {
  const problem = (field: string, message: string) =>
    problems.push({ index, path: `records[${index}].${field}`, message });
  let address: string | undefined;
  if (input.channel !== undefined && input.contactPoint !== undefined) {
    const normalized = parser.parse(input.channel, input.contactPoint);
    if (normalized.ok) address = normalized.address;
    else problem('contactPoint', normalized.message);
  }
  const purpose = input.purposeId === undefined ? undefined : catalog.purposes.get(input.purposeId);
  if (input.purposeId !== undefined && !purpose)
    problem('purposeId', `there is no purpose "${input.purposeId}"`);
  if (input.topicId !== undefined) {
    const topic = catalog.topics.get(input.topicId);
    if (!topic) problem('topicId', `there is no topic "${input.topicId}"`);
    else if (purpose && topic.purpose.id !== purpose.purpose.id) {
      problem('topicId', `topic "${input.topicId}" is not under purpose "${input.purposeId}"`);
    }
  }
  return address;
}

const PLAIN_NAME = /^[A-Za-z_$][A-Za-z0-9_.$-]{0,63}$/;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * An opt-out is never refused for its metadata (DOMAIN rules, Syncing): on a record whose value is
 * `optedOut`, an `expiresAt` (opt-outs never expire), a metadata field that is not valid (it takes
 * its default; a bad capture time counts as receipt time) and a field the service does not know are
 * left out, and each is named in the result. What identifies the record is still checked as usual.
 */
export function forgiveOptOut(raw: unknown, index: number): { raw: unknown; ignored: ErrorDetail[] } {
  if (!isPlainObject(raw) || raw.value !== 'optedOut') return { raw, ignored: [] };
  const shape = consentRecordInputSchema.shape as Record<string, z.ZodType>;
  const kept: Record<string, unknown> = {};
  const ignored: ErrorDetail[] = [];
  const unknown: string[] = [];
  const leave = (field: string, message: string) =>
    ignored.push({ index, path: `records[${index}].${field}`, message });
  for (const [field, value] of Object.entries(raw)) {
    if (field === 'expiresAt') leave(field, 'ignored: opt-outs never expire');
    else if (!Object.hasOwn(shape, field)) unknown.push(field);
    else if (
      (METADATA_FIELDS as readonly string[]).includes(field) &&
      !shape[field]!.safeParse(value).success
    )
      leave(field, 'ignored: not valid, so its default applies');
    else kept[field] = value;
  }
  // Named when the name is a plain identifier; any other name is not echoed (it could hold an address).
  for (const field of unknown.filter((f) => PLAIN_NAME.test(f)))
    leave(field, 'ignored: not a field of a consent record');
  if (unknown.some((f) => !PLAIN_NAME.test(f)))
    ignored.push({ index, path: `records[${index}]`, message: 'ignored: fields not of a consent record' });
  return { raw: kept, ignored };
}
