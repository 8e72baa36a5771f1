import type { z } from 'zod';
import type { Catalog } from '../domain/catalog';
import { activeSuppression } from '../domain/suppression';
import { trackingPurposeOf } from '../domain/catalog';
import type { ContactPointParser } from '../domain/contact-point';
import {
  evaluateMessage,
  evaluateTracking,
  type ContactFacts,
  type ContactPointConsent,
  type Evaluation,
} from '../domain/evaluate';
import { enforcementOn, type Audience, type Channel, type ContactFlags } from '../domain/model';
import { NotFoundError, StorageContentionError, ValidationError } from '../errors';
import { mapLimit } from '../utils/map-limit';
import type { ContactPointState, SendLog } from '../storage/consent-store';
import { WriteConflict } from '../storage/write-conflict';
import { capUsage, decideForContactPoint, sendFactsOf, type DecidedState } from './send-decider';

export { factsOf } from './send-decider';
import { effectiveLinkTarget, linkTarget, type LinkTargetRef } from '../domain/link-target';
import type { ContactView, ContactViewBody } from '../api/admin/admin.schemas';
import type { CheckBody, contactabilitySchema, decisionSchema } from '../api/check/check.schemas';
import type { LinkSet } from '../api/links/links.schemas';
import type { ContactPoint } from '../domain/contact-point';
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

/** Counts decisions (activity statistics, telemetry): in memory, never a write per message. */
export interface DecisionObserver {
  decision(
    at: number,
    profileId: string | undefined,
    decision: 'sent' | 'blocked',
    reasons: readonly string[],
    channel: string,
    purposeType: string,
  ): void;
}

/** Makes the links of a sent message (the link service), so a check can hand them back. */
export interface LinkMaker {
  /** Makes link sets on `baseUrl` (with the signing key read once for the whole batch). */
  linkFactory(baseUrl: string): Promise<(contactPoint: ContactPoint, target: LinkTargetRef) => LinkSet>;
}

/** Conditional writes of one contact point's send log before the check gives up (503). */
const MAX_COUNT_ATTEMPTS = 40;

/** The sends made by `at`. */
function sendsUntil(sends: SendLog | undefined, at: number): SendLog {
  return Object.fromEntries(
    Object.entries(sends ?? {}).map(([id, times]) => [id, times.filter((t) => t <= at)]),
  );
}

/** A short random pause that grows with the attempt, so racing checks spread out. */
const jitter = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));

export class CheckService {
  constructor(
    private readonly consents: ConsentService,
    private readonly catalog: CatalogService,
    private readonly parser: ContactPointParser,
    private readonly links?: LinkMaker,
    private readonly observer?: DecisionObserver,
  ) {}

  /**
   * Decides every message of a batch: one point read per distinct contact point, all in flight
   * together (bounded), never cached. If any read fails the whole batch fails: nothing is `sent`.
   * Commercial messages sent under a frequency cap are counted with one conditional write per
   * contact point; a concurrent writer makes that contact point's messages decided again on what
   * it wrote, so checks at the same time never both take the last slot. With `dryRun` nothing is
   * counted. With `asOf`, every message is decided as it was at that past time: the records undone
   * from their history, the profiles and switch as they were then (a replay counts nothing and
   * makes no links).
   */
  async check(
    messages: CheckBody['messages'],
    baseUrl?: string,
    asOf?: string,
    dryRun = false,
  ): Promise<Decision[]> {
    const now = this.consents.now();
    const at = asOf === undefined ? now : Date.parse(asOf);
    if (at > now) {
      throw new ValidationError('A decision can only be replayed as of a past time.', [
        { path: 'asOf', message: "is later than the service's clock" },
      ]);
    }
    const catalog = asOf === undefined ? await this.catalog.current() : await this.catalog.asOf(at);
    const count = asOf === undefined && !dryRun;
    // Messages to one contact point share its read: one group per distinct (channel, address).
    const groups = new Map<string, { contactPoint: ContactPoint; indices: number[] }>();
    const evaluations: Evaluation[] = new Array(messages.length);
    messages.forEach((m, i) => {
      const normalized = this.parser.parse(m.channel, m.contactPoint);
      if (!normalized.ok) {
        evaluations[i] = evaluateMessage(m, catalog, null, at);
        return;
      }
      const key = `${m.channel}\u0000${normalized.address}`;
      const group = groups.get(key) ?? {
        contactPoint: { channel: m.channel, address: normalized.address },
        indices: [],
      };
      group.indices.push(i);
      groups.set(key, group);
    });
    const entries = [...groups.values()];
    // Each contact point is read, decided and (for capped sends) counted on its own, all in flight
    // together (bounded): a counted send is its read and one conditional merge, with no batch-wide
    // wait between them. An erased address answers as its tombstone does, as of any time.
    const read = async (contactPoint: ContactPoint): Promise<DecidedState> => {
      if (asOf === undefined) return (await this.consents.readMany([contactPoint]))[0]!;
      const [state] = await this.consents.recordsAsOf([contactPoint], at);
      // A replay counts the sends made by then (the log keeps the last 30 days).
      return { ...state!, sends: sendsUntil(state!.sends, at) };
    };
    await mapLimit(entries, this.consents.concurrency, async (entry) => {
      const batch = entry.indices.map((i) => messages[i]!);
      let state = await read(entry.contactPoint);
      for (let attempt = 1; ; attempt++) {
        const decided = decideForContactPoint(batch, catalog, state, at, count);
        if (decided.changed) {
          try {
            await this.consents.recordSends(entry.contactPoint, state as ContactPointState, decided.sends);
          } catch (error) {
            if (!(error instanceof WriteConflict) || attempt >= MAX_COUNT_ATTEMPTS) {
              throw error instanceof WriteConflict ? new StorageContentionError() : error;
            }
            // Someone wrote this contact point since it was read: decide again on what they wrote.
            await jitter(attempt);
            state = await read(entry.contactPoint);
            continue;
          }
        }
        entry.indices.forEach((i, k) => (evaluations[i] = decided.evaluations[k]!));
        return;
      }
    });

    if (asOf === undefined && this.observer) {
      for (const [i, evaluation] of evaluations.entries())
        this.observer.decision(
          now,
          catalog.profiles.has(messages[i]!.profileId) ? messages[i]!.profileId : undefined,
          evaluation.decision,
          evaluation.reasons,
          messages[i]!.channel,
          catalog.purposes.get(messages[i]!.purposeId)?.purpose.type ?? 'unknown',
        );
    }
    const wantsLinks =
      this.links && asOf === undefined && baseUrl !== undefined && messages.some((m) => m.links === true);
    const linkSet = wantsLinks ? await this.links!.linkFactory(baseUrl!) : undefined;
    const contactPointOf = new Map<number, ContactPoint>();
    entries.forEach((entry) => entry.indices.forEach((i) => contactPointOf.set(i, entry.contactPoint)));
    return messages.map((message, i) => {
      const evaluation = evaluations[i]!;
      const decision: Decision = { messageId: message.messageId, ...evaluation };
      const contactPoint = contactPointOf.get(i);
      if (linkSet && message.links === true && evaluation.decision === 'sent' && contactPoint) {
        // A sent message names a known profile and purpose (and topic), so its target resolves.
        const named = linkTarget(catalog, message, () => undefined);
        // A purpose sent whatever consent says (enforcement disabled) gets the profile's links: an
        // unsubscribe from it would stop nothing.
        const target = named && effectiveLinkTarget(named, message.channel);
        if (target) decision.links = linkSet(contactPoint, target);
      }
      return decision;
    });
  }

  /**
   * One person's contact points at a glance: for every profile (or the one named), what
   * `contactability` says, and whether any commercial or transactional purpose will send. One read
   * per distinct contact point, all in flight together.
   */
  async contactView(body: ContactViewBody): Promise<ContactView> {
    const catalog = await this.catalog.current();
    const profiles =
      body.profileId === undefined ? [...catalog.profiles.values()] : [catalog.profiles.get(body.profileId)];
    if (profiles.some((p) => p === undefined))
      throw new NotFoundError(`There is no profile "${body.profileId}".`);
    const normalized = body.contactPoints.map((cp) => this.parser.parse(cp.channel, cp.contactPoint));
    const distinct = new Map<string, ContactPoint>();
    normalized.forEach((n) => {
      if (n.ok) distinct.set(`${n.channel}\u0000${n.address}`, { channel: n.channel, address: n.address });
    });
    const states = await this.consents.readMany([...distinct.values()]);
    const at = this.consents.now();
    const stateOf = new Map([...distinct.keys()].map((key, i) => [key, states[i]!]));
    return {
      contactPoints: body.contactPoints.map((given, i) => {
        const n = normalized[i]!;
        if (!n.ok)
          return { channel: given.channel, contactPoint: given.contactPoint, valid: false, profiles: [] };
        const contactPoint = { channel: n.channel, address: n.address };
        const state = stateOf.get(`${n.channel}\u0000${n.address}`)!;
        const consent = state.records;
        const suppression = activeSuppression(state.suppression, at);
        return {
          channel: n.channel,
          contactPoint: n.address,
          valid: true,
          ...(state.erased ? { erased: { at: state.erased.at, actor: state.erased.actor } } : {}),
          ...(suppression
            ? {
                suppression: {
                  kind: suppression.kind,
                  ...(suppression.until ? { until: suppression.until } : {}),
                },
              }
            : {}),
          profiles: profiles.map((profile) => {
            const view = describeContactability(
              catalog,
              {
                channel: n.channel,
                profileId: profile!.id,
                audience: body.audience,
                contact: body.contact ?? {},
              },
              contactPoint,
              consent,
              at,
              sendFactsOf(state, at),
            );
            const anySends = (type: string) => view.purposes.some((p) => p.type === type && p.willSend);
            return {
              profileId: profile!.id,
              willSendCommercial: anySends('commercial'),
              willSendTransactional: anySends('transactional'),
              willTrack: view.tracking.willTrack,
              purposes: view.purposes,
              tracking: view.tracking,
              ...(view.frequencyCaps ? { frequencyCaps: view.frequencyCaps } : {}),
            };
          }),
        };
      }),
    };
  }

  /** The same evaluation as `check`, for every purpose and topic of a profile. */
  async contactability(query: ContactabilityQuery): Promise<Contactability> {
    const catalog = await this.catalog.current();
    const profile = catalog.profiles.get(query.profileId);
    if (!profile) throw new NotFoundError(`There is no profile "${query.profileId}".`);
    const contactPoint = this.consents.contactPoint(query.channel, query.contactPoint);
    const [state] = await this.consents.readMany([contactPoint]);
    const at = this.consents.now();
    return describeContactability(catalog, query, contactPoint, state!.records, at, sendFactsOf(state!, at));
  }
}

export function describeContactability(
  catalog: Catalog,
  query: Omit<ContactabilityQuery, 'contactPoint'>,
  contactPoint: ContactPoint,
  consent: ContactPointConsent,
  /** When it is decided (epoch ms): opt-ins expired by then count as not set. */
  at: number,
  facts: ContactFacts = {},
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
      const forPurpose = evaluateMessage({ ...base, purposeId: purpose.id }, catalog, consent, at, facts);
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
            at,
            facts,
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
  const tracking = evaluateTracking(base, profile, catalog, consent, at, facts);
  // Where sends are decided (not on the pages), the caps with what they have counted.
  const caps = facts.schedule ? capUsage(profile, query.channel, facts.schedule.sends, at) : [];
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
    ...(caps.length > 0 ? { frequencyCaps: caps } : {}),
  };
}
