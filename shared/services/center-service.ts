import type { Actor } from '../domain/access';
import type { Catalog } from '../domain/catalog';
import {
  loadRows,
  preferenceChoiceProblems,
  preferencePrefill,
  resolveLoadTarget,
  subscriptionPrefill,
  subscriptionSubmitValues,
  type LoadMember,
  type PreferencePrefill,
  type SubscriptionFlags,
} from '../domain/centers';
import type { ContactPointParser } from '../domain/contact-point';
import type { Channel, ConsentValue, ContactFlags, Profile, Source } from '../domain/model';
import { NotFoundError, ValidationError, type ErrorDetail } from '../errors';
import {
  loadMemberSchema,
  type LoadCounts,
  type LoadRequest,
  type PreferenceCenterBody,
  type SubscriptionCenterBody,
} from '../api/centers/centers.schemas';
import { type UpsertResult } from '../api/common/common.schemas';
import type { ContactPoint } from '../domain/contact-point';
import { itemIssueDetails } from '../utils/issue-details';
import type { CatalogService } from './catalog-service';
import {
  describeContactability,
  factsOf,
  type CheckService,
  type ContactabilityQuery,
} from './check-service';
import type { ConsentService } from './consent-service';

export interface SubscriptionCenterQuery {
  profileId: string;
  contactPoints: readonly string[];
  contact: ContactFlags;
}

/** A record to write, grouped with the other records of its contact point. */
interface RecordToWrite {
  channel: Channel;
  contactPoint: string;
  purposeId: string;
  topicId?: string;
  value: ConsentValue;
  source: Source;
}

/** Subscription center, preference center and load consent: every write goes through `upsert`. */
export class CenterService {
  constructor(
    private readonly consents: ConsentService,
    private readonly catalog: CatalogService,
    private readonly checks: CheckService,
    private readonly parser: ContactPointParser,
  ) {}

  async subscriptionPrefill(query: SubscriptionCenterQuery): Promise<SubscriptionFlags> {
    const catalog = await this.catalog.current();
    const profile = this.profileOrNotFound(catalog, query.profileId);
    const contactPoints = this.emails(query.contactPoints, 'contactPoints');
    const states = await this.consents.readMany(contactPoints);
    // Consent records only: the contact's own flags are combined afterwards, field by field.
    const views = contactPoints.map((contactPoint, i) =>
      describeContactability(
        catalog,
        { channel: 'email', profileId: profile.id, audience: 'contact', contact: {} },
        contactPoint,
        states[i]!.records,
        this.consents.now(),
        factsOf(states[i]!),
      ),
    );
    return subscriptionPrefill(query.contact, views);
  }

  async subscriptionSubmit(body: SubscriptionCenterBody, actor: string | Actor): Promise<UpsertResult[]> {
    const catalog = await this.catalog.current();
    const problems: ErrorDetail[] = [];
    const profile = catalog.profiles.get(body.profileId);
    if (!profile) problems.push({ path: 'profileId', message: `there is no profile "${body.profileId}"` });
    const contactPoints = this.emails(body.contactPoints, 'contactPoints', problems);
    if (!profile || problems.length > 0)
      throw new ValidationError('The submit is not valid; nothing was written.', problems);
    const values = subscriptionSubmitValues(profile, body, body.shown);
    const records = contactPoints.flatMap((cp) =>
      values.map(({ purposeId, value }): RecordToWrite => ({
        channel: 'email',
        contactPoint: cp.address,
        purposeId,
        value,
        source: 'subscriptionCenter',
      })),
    );
    return this.write(records, actor);
  }

  async preferencePrefill(query: ContactabilityQuery): Promise<PreferencePrefill> {
    return preferencePrefill(await this.checks.contactability(query));
  }

  /** Writes the chosen records of one contact point; no contact-level field exists here to change. */
  async preferenceSubmit(body: PreferenceCenterBody, actor: string | Actor): Promise<UpsertResult[]> {
    const catalog = await this.catalog.current();
    const problems: ErrorDetail[] = [];
    const profile = catalog.profiles.get(body.profileId);
    if (!profile) problems.push({ path: 'profileId', message: `there is no profile "${body.profileId}"` });
    else problems.push(...preferenceChoiceProblems(profile, body.choices));
    const normalized = this.parser.parse(body.channel, body.contactPoint);
    if (!normalized.ok) problems.push({ path: 'contactPoint', message: normalized.message });
    if (problems.length > 0 || !normalized.ok)
      throw new ValidationError('The submit is not valid; nothing was written.', problems);
    // A choice left as the form showed it is not written: a change made meanwhile stays. It is
    // answered `unchanged` (nothing written for it), in its place.
    const written = body.choices.flatMap((choice, index) =>
      choice.shown === undefined || (choice.value === 'optedIn') !== choice.shown ? [index] : [],
    );
    const results = await this.write(
      written.map((index): RecordToWrite => {
        const choice = body.choices[index]!;
        return {
          channel: body.channel,
          contactPoint: normalized.address,
          purposeId: choice.purposeId,
          ...(choice.topicId !== undefined ? { topicId: choice.topicId } : {}),
          value: choice.value,
          source: 'preferenceCenter',
        };
      }),
      actor,
    );
    const byChoice = new Map(written.map((index, i) => [index, results[i]!]));
    return body.choices.map(
      (_, index) => ({ ...(byChoice.get(index) ?? { outcome: 'unchanged' }), index }) as UpsertResult,
    );
  }

  /**
   * Loads members into one purpose or topic. Everything is validated before the first write; one
   * row per distinct address (opted in only if all its members allow), its tracking record beside it.
   */
  async load(request: LoadRequest, actor: string | Actor): Promise<LoadCounts> {
    const catalog = await this.catalog.current();
    const resolved = resolveLoadTarget(catalog, request);
    const problems: ErrorDetail[] = resolved.ok ? [] : [...resolved.problems];
    const members: LoadMember[] = [];
    request.members.forEach((raw, index) => {
      const parsed = loadMemberSchema.safeParse(raw);
      if (!parsed.success) {
        problems.push(...itemIssueDetails(parsed.error.issues, 'members', index));
        return;
      }
      const { email, ...flags } = parsed.data;
      const normalized = this.parser.parse('email', email);
      if (normalized.ok) members.push({ address: normalized.address, ...flags });
      else problems.push({ index, path: `members[${index}].email`, message: normalized.message });
    });
    if (!resolved.ok || problems.length > 0)
      throw new ValidationError('The load is not valid; nothing was written.', problems);

    const { purposeId, topicId, trackingPurposeId, rule } = resolved.target;
    const records: RecordToWrite[] = [];
    const isTracking: boolean[] = [];
    for (const row of loadRows(members, rule)) {
      const base = { channel: 'email', contactPoint: row.address, source: 'loaded' } as const;
      records.push({ ...base, purposeId, ...(topicId !== undefined ? { topicId } : {}), value: row.consent });
      isTracking.push(false);
      if (row.tracking !== undefined) {
        records.push({ ...base, purposeId: trackingPurposeId, value: row.tracking });
        isTracking.push(true);
      }
    }
    const counts: LoadCounts = {
      consent: { created: 0, updated: 0, unchanged: 0, suppressed: 0 },
      tracking: { created: 0, updated: 0, unchanged: 0, suppressed: 0 },
    };
    for (const result of await this.write(records, actor)) {
      const kind = isTracking[result.index] ? counts.tracking : counts.consent;
      // A stale write changed nothing either: the stored record was captured later than this load.
      kind[
        result.outcome === 'created' || result.outcome === 'updated' || result.outcome === 'suppressed'
          ? result.outcome
          : 'unchanged'
      ]++;
    }
    return counts;
  }

  private profileOrNotFound(catalog: Catalog, profileId: string): Profile {
    const profile = catalog.profiles.get(profileId);
    if (!profile) throw new NotFoundError(`There is no profile "${profileId}".`);
    return profile;
  }

  /** Normalized, distinct email contact points; each bad one is added to `problems`, or thrown. */
  private emails(raw: readonly string[], field: string, problems?: ErrorDetail[]): ContactPoint[] {
    const found: ErrorDetail[] = [];
    const distinct = new Map<string, ContactPoint>();
    raw.forEach((address, index) => {
      const normalized = this.parser.parse('email', address);
      if (!normalized.ok) found.push({ index, path: `${field}[${index}]`, message: normalized.message });
      else distinct.set(normalized.address, { channel: 'email', address: normalized.address });
    });
    if (!problems && found.length > 0) throw new ValidationError('An email address is not valid.', found);
    problems?.push(...found);
    return [...distinct.values()];
  }

  /** Every record through the one upsert: one read and one commit per contact point, in flight together. */
  private write(records: readonly RecordToWrite[], actor: string | Actor): Promise<UpsertResult[]> {
    return this.consents.upsert(records, actor);
  }
}
