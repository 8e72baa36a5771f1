import type { z } from 'zod';
import type { Catalog } from '../domain/catalog';
import { trackingPurposeOf } from '../domain/catalog';
import { normalizeContactPoint } from '../domain/contact-point';
import { evaluateMessage, evaluateTracking, type ContactPointConsent } from '../domain/evaluate';
import { enforcementOn, type Audience, type Channel, type ContactFlags } from '../domain/model';
import { NotFoundError } from '../errors';
import type { CheckBody, contactabilitySchema, decisionSchema } from '../schemas';
import type { ContactPoint } from '../storage/consent-store';
import type { CatalogService } from './catalog-service';
import type { ConsentService } from './consent-service';

type Decision = z.infer<typeof decisionSchema>;
type Contactability = z.infer<typeof contactabilitySchema>;

export interface ContactabilityQuery {
  channel: Channel;
  contactPoint: string;
  profileId: string;
  audience: Audience;
  contact: ContactFlags;
}

export class CheckService {
  constructor(
    private readonly consents: ConsentService,
    private readonly catalog: CatalogService,
    private readonly defaultRegion: string,
  ) {}

  /**
   * Decides every message of a batch: one point read per distinct contact point, all in flight
   * together (bounded), never cached. If any read fails the whole batch fails: nothing is `sent`.
   */
  async check(messages: CheckBody['messages']): Promise<Decision[]> {
    const catalog = await this.catalog.current();
    // Messages to one contact point share its read: one entry per distinct (channel, address).
    const reads = new Map<string, { contactPoint: ContactPoint; consent: ContactPointConsent }>();
    const keys = messages.map((m) => {
      const normalized = normalizeContactPoint(m.channel, m.contactPoint, this.defaultRegion);
      if (!normalized.ok) return null;
      const key = `${m.channel}\u0000${normalized.address}`;
      if (!reads.has(key))
        reads.set(key, { contactPoint: { channel: m.channel, address: normalized.address }, consent: null });
      return key;
    });
    const entries = [...reads.values()];
    const states = await this.consents.readMany(entries.map((e) => e.contactPoint));
    entries.forEach((entry, i) => (entry.consent = states[i]!.records));

    return messages.map((message, i) => {
      const key = keys[i];
      const consent = key ? (reads.get(key)?.consent ?? null) : null;
      return { messageId: message.messageId, ...evaluateMessage(message, catalog, consent) };
    });
  }

  /** The same evaluation as `check`, for every purpose and topic of a profile. */
  async contactability(query: ContactabilityQuery): Promise<Contactability> {
    const catalog = await this.catalog.current();
    const profile = catalog.profiles.get(query.profileId);
    if (!profile) throw new NotFoundError(`There is no profile "${query.profileId}".`);
    const contactPoint = this.consents.contactPoint(query.channel, query.contactPoint);
    const [state] = await this.consents.readMany([contactPoint]);
    return describeContactability(catalog, query, contactPoint, state!.records);
  }
}

export function describeContactability(
  catalog: Catalog,
  query: Omit<ContactabilityQuery, 'contactPoint'>,
  contactPoint: ContactPoint,
  consent: ContactPointConsent,
): Contactability {
  const profile = catalog.profiles.get(query.profileId)!;
  const base = {
    channel: query.channel,
    profileId: profile.id,
    audience: query.audience,
    contact: query.contact,
  };
  const purposes = profile.purposes
    .filter((p) => p.type !== 'tracking')
    .map((purpose) => {
      const forPurpose = evaluateMessage({ ...base, purposeId: purpose.id }, catalog, consent);
      return {
        purposeId: purpose.id,
        type: purpose.type,
        enforcement: enforcementOn(purpose.enforcement, query.channel),
        consent: forPurpose.consent.purpose,
        willSend: forPurpose.decision === 'sent',
        reasons: forPurpose.reasons,
        topics: (purpose.topics ?? []).map((topic) => {
          const forTopic = evaluateMessage(
            { ...base, purposeId: purpose.id, topicId: topic.id },
            catalog,
            consent,
          );
          return {
            topicId: topic.id,
            consent: forTopic.consent.topic ?? null,
            willSend: forTopic.decision === 'sent',
            reasons: forTopic.reasons,
          };
        }),
      };
    });
  const trackingPurpose = trackingPurposeOf(profile)!;
  const tracking = evaluateTracking(base, profile, catalog, consent);
  return {
    channel: query.channel,
    contactPoint: contactPoint.address,
    profileId: profile.id,
    purposes,
    tracking: {
      purposeId: trackingPurpose.id,
      enforcement: enforcementOn(trackingPurpose.enforcement, query.channel),
      consent: tracking.consent,
      willTrack: tracking.reasons.length === 0,
      reasons: tracking.reasons,
    },
  };
}
