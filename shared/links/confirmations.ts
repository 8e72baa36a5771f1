import type { ContactPointParser } from '../domain/contact-point';
import type { PendingConfirmation } from '../domain/model';
import { NotFoundError, ValidationError, type ErrorDetail } from '../errors';
import type { UpsertResult } from '../api/common/common.schemas';
import type { ConfirmationRequest } from '../api/links/links.schemas';
import type { CatalogService } from '../services/catalog-service';
import type { ConsentService } from '../services/consent-service';
import type { LinkService, ResolvedLink } from './link-service';
import { linkTarget } from '../domain/link-target';
import { idReference, sealLink } from './link-token';

/** A confirmation link's page: what it names and the request it confirms. */
export interface ConfirmationView {
  link: ResolvedLink;
  pending: PendingConfirmation;
}

const ACTOR = 'double-opt-in';

/**
 * Double opt-in: a request is kept with its contact point, and a signed link (kind `confirm`, naming
 * the request) goes to that contact point; only the person's confirmation through it writes the
 * opt-in, through the one upsert. Requests lapse after `lapseDays`, and so do their links.
 */
export class ConfirmationService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly links: LinkService,
    private readonly consents: ConsentService,
    private readonly parser: ContactPointParser,
    private readonly lapseDays: number,
  ) {}

  async request(
    body: ConfirmationRequest,
    baseUrl: string,
  ): Promise<{ confirmUrl: string; expiresAt: string }> {
    const catalog = await this.catalog.current();
    const problems: ErrorDetail[] = [];
    const at = (path: string, message: string) => problems.push({ path, message });
    const normalized = this.parser.parse(body.channel, body.contactPoint);
    if (!normalized.ok) at('contactPoint', normalized.message);
    const target = linkTarget(catalog, body, at, true);
    if (body.expiresAt !== undefined && Date.parse(body.expiresAt) <= this.consents.now())
      at('expiresAt', 'is not in the future: the opt-in would never count');
    if (problems.length > 0 || !normalized.ok || !target?.purpose)
      throw new ValidationError('The confirmation cannot be requested.', problems);

    const contactPoint = { channel: body.channel, address: normalized.address };
    const { id, pending } = await this.consents.addPendingConfirmation(
      contactPoint,
      {
        profileId: target.profile.id,
        purposeId: target.purpose.id,
        ...(target.topic ? { topicId: target.topic.id } : {}),
        source: body.source,
        reason: body.reason,
        ...(body.reasonDescription !== undefined ? { reasonDescription: body.reasonDescription } : {}),
        ...(body.expiresAt !== undefined ? { expiresAt: body.expiresAt } : {}),
      },
      this.lapseDays,
    );
    const token = sealLink(
      {
        kind: 'confirm',
        channel: contactPoint.channel,
        address: contactPoint.address,
        profileRef: idReference(target.profile.id),
        target: target.topic ? 'topic' : 'purpose',
        targetRef: idReference((target.topic ?? target.purpose).id),
        expiresAt: Math.ceil(Date.parse(pending.lapsesAt) / 1000),
        extra: Buffer.from(id, 'hex'),
        ...(body.language !== undefined ? { language: body.language } : {}),
      },
      await this.links.signingKey(),
    );
    return { confirmUrl: `${baseUrl}/api/confirm/${token}`, expiresAt: pending.lapsesAt };
  }

  /** What a confirmation link names, or a NotFoundError when it is invalid or its request lapsed. */
  async view(token: string): Promise<ConfirmationView> {
    const link = await this.links.resolve(token, 'confirm');
    const [state] = await this.consents.readMany([link.contactPoint]);
    const pending = state!.pending.get(link.claims.extra!.toString('hex'));
    if (
      !pending ||
      Date.parse(pending.lapsesAt) <= this.consents.now() ||
      pending.purposeId !== link.purpose?.id ||
      pending.topicId !== link.topic?.id
    )
      throw new NotFoundError('This link is not valid.');
    return { link, pending };
  }

  /** The person confirms what `view` found: the opt-in is written (a repeat is `unchanged`). */
  async confirm(
    view: ConfirmationView,
  ): Promise<ConfirmationView & { result: UpsertResult; repeated: boolean }> {
    const { link, pending } = view;
    const result = await this.consents.confirm(link.contactPoint, link.claims.extra!.toString('hex'), ACTOR);
    return { link, pending, result, repeated: pending.confirmedAt !== undefined };
  }
}
