import { verify, type KeyObject } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';
import { sendgridEventSchema } from '../api/deliverability/deliverability.schemas';
import type { Catalog } from '../domain/catalog';
import type { DeliveryEventKind } from '../domain/suppression';
import { ForbiddenError, ValidationError } from '../errors';
import type { RejectedEvent } from '../sms/event-grid';
import { readBodyBytes } from '../utils/body-bytes';
import { formatPath } from '../utils/issue-details';
import type { ContactPointParser } from '../domain/contact-point';
import type { CatalogService } from '../services/catalog-service';
import type { ConsentService } from '../services/consent-service';
import type { SuppressionInput, SuppressionService } from './suppression-service';

/** SendGrid batches events into posts of at most a few MB. */
export const SENDGRID_BODY_LIMIT = 4 * 1024 * 1024;
/**
 * How old a signed timestamp may be: SendGrid retries a failed post for 24 hours, possibly with the
 * timestamp it signed first; replays change nothing (event ids), so the window only bounds them.
 */
const MAX_AGE_SECONDS = 72 * 3600;
const MAX_AHEAD_SECONDS = 300;

/**
 * The raw body of a SendGrid Event Webhook post whose ECDSA signature (P-256, SHA-256, DER, over the
 * timestamp header followed by the raw body) verifies with a configured key; otherwise 403 and
 * nothing is read. The same check as `@sendgrid/eventwebhook`'s `verifySignature`, which throws
 * where this answers false (a signature that is no DER).
 */
export async function readSendgridBody(
  request: HttpRequest,
  keys: readonly KeyObject[] | undefined,
  now: number,
): Promise<Buffer> {
  if (!keys || keys.length === 0)
    throw new ForbiddenError(
      'SendGrid events are not accepted here: no SENDGRID_WEBHOOK_PUBLIC_KEY is configured.',
    );
  const signature = request.headers.get('x-twilio-email-event-webhook-signature');
  const timestamp = request.headers.get('x-twilio-email-event-webhook-timestamp');
  if (!signature || !timestamp) throw new ForbiddenError('The request carries no SendGrid signature.');
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
  const age = now / 1000 - seconds;
  if (!Number.isFinite(seconds) || age > MAX_AGE_SECONDS || age < -MAX_AHEAD_SECONDS)
    throw new ForbiddenError('The SendGrid signature timestamp is not recent.');
  const body = await readBodyBytes(request, SENDGRID_BODY_LIMIT);
  const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), body]);
  const der = Buffer.from(signature, 'base64');
  const valid = keys.some((key) => {
    try {
      return verify('sha256', signed, { key, dsaEncoding: 'der' }, der);
    } catch {
      return false;
    }
  });
  if (!valid) throw new ForbiddenError('The SendGrid signature does not match this request.');
  return body;
}

/** What a SendGrid event means for deliverability; others (opens, clicks, processed...) change nothing. */
function kindOf(event: string, type: string | undefined): DeliveryEventKind | undefined {
  if (event === 'bounce') return type === 'blocked' ? 'softBounce' : 'hardBounce';
  if (event === 'deferred') return 'softBounce';
  if (event === 'spamreport') return 'complaint';
  if (event === 'delivered') return 'delivered';
  return undefined;
}

export interface SendgridUnsubscribe {
  index: number;
  email: string;
  purposeIds: string[];
  eventId?: string | undefined;
  at?: string | undefined;
}

/**
 * The events of a verified post: delivery events, and unsubscribes as the commercial purposes they
 * opt out of (the purpose or profile its custom arguments name, else every profile's commercial
 * email purposes: an unsubscribe that cannot be placed stops everything commercial rather than
 * nothing). Events that cannot be read are reported; the others apply.
 */
export function parseSendgridEvents(
  raw: Buffer,
  catalog: Catalog,
): {
  events: Array<SuppressionInput & { index: number }>;
  unsubscribes: SendgridUnsubscribe[];
  rejected: RejectedEvent[];
  count: number;
} {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ValidationError('The body is not JSON.', [{ path: '', message: 'not JSON' }]);
  }
  if (!Array.isArray(body) || body.length === 0)
    throw new ValidationError('The body is not a JSON array of events.', [
      { path: '', message: 'an array of events' },
    ]);
  const events: Array<SuppressionInput & { index: number }> = [];
  const unsubscribes: SendgridUnsubscribe[] = [];
  const rejected: RejectedEvent[] = [];
  body.forEach((item, index) => {
    const parsed = sendgridEventSchema.safeParse(item);
    if (!parsed.success) {
      const reason = parsed.error.issues
        .map((i) => `${formatPath([index, ...i.path])}: ${i.message}`)
        .join('; ');
      rejected.push({ index, reason });
      return;
    }
    const e = parsed.data;
    const at = e.timestamp !== undefined ? new Date(e.timestamp * 1000).toISOString() : undefined;
    const eventId = e.sg_event_id ? `sendgrid:${e.sg_event_id}` : undefined;
    if (e.event === 'unsubscribe' || e.event === 'group_unsubscribe') {
      unsubscribes.push({
        index,
        email: e.email,
        purposeIds: commercialPurposes(catalog, e.profileId, e.purposeId),
        eventId,
        at,
      });
      return;
    }
    const kind = kindOf(e.event, e.type);
    if (kind === undefined) return;
    events.push({
      index,
      channel: 'email',
      contactPoint: e.email,
      kind,
      at,
      eventId,
      ...(e.reason ? { detail: e.reason.slice(0, 500) } : {}),
    });
  });
  return { events, unsubscribes, rejected, count: body.length };
}

function commercialPurposes(catalog: Catalog, profileId?: string, purposeId?: string): string[] {
  const named = purposeId !== undefined ? catalog.purposes.get(purposeId) : undefined;
  if (
    named &&
    named.purpose.type === 'commercial' &&
    (profileId === undefined || named.profile.id === profileId)
  )
    return [named.purpose.id];
  const profile = profileId !== undefined ? catalog.profiles.get(profileId) : undefined;
  const profiles = profile ? [profile] : [...catalog.profiles.values()];
  return profiles.flatMap((p) => p.purposes.filter((pp) => pp.type === 'commercial').map((pp) => pp.id));
}

/**
 * Applies a verified SendGrid post: the delivery events to suppressions, each unsubscribe as an
 * opt-out of its commercial purposes (one upsert per event, with its id: a replay changes nothing).
 * Events that cannot be read or applied are reported; the others apply.
 */
export async function applySendgridDelivery(
  raw: Buffer,
  deps: {
    catalog: CatalogService;
    suppressions: SuppressionService;
    consents: ConsentService;
    parser: ContactPointParser;
  },
): Promise<{ processed: number; rejected: RejectedEvent[] }> {
  const catalog = await deps.catalog.current();
  const { events, unsubscribes, rejected, count } = parseSendgridEvents(raw, catalog);
  rejected.push(...(await deps.suppressions.recordEvents(events, 'sendgrid', 'email')));
  for (const unsubscribe of unsubscribes) {
    const address = deps.parser.parse('email', unsubscribe.email);
    if (!address.ok) {
      rejected.push({ index: unsubscribe.index, reason: `[${unsubscribe.index}].email: ${address.message}` });
      continue;
    }
    const records = unsubscribe.purposeIds.map((purposeId) => ({
      channel: 'email' as const,
      contactPoint: address.address,
      purposeId,
      value: 'optedOut' as const,
      source: 'listUnsubscribe' as const,
      reason: 'noReasons' as const,
      reasonDescription: 'unsubscribed through SendGrid',
      status: 'active' as const,
      ...(unsubscribe.at !== undefined ? { capturedAt: unsubscribe.at } : {}),
    }));
    if (records.length === 0) continue;
    await deps.consents.upsert(
      records,
      'sendgrid',
      unsubscribe.eventId ? { event: unsubscribe.eventId } : {},
    );
  }
  rejected.sort((a, b) => a.index - b.index);
  return { processed: count - rejected.length, rejected };
}
