import type { CijRequest, CijResponse } from '../api/cij/cij.schemas';
import type { ProfileScope } from '../domain/access';
import type { ContactPointParser } from '../domain/contact-point';
import type { Channel } from '../domain/model';
import { catalogGuids } from '../dataverse/entities';
import { ValidationError, type ErrorDetail } from '../errors';
import type { LinkService } from '../links/link-service';
import type { CatalogService } from '../services/catalog-service';
import type { CheckService } from '../services/check-service';
import { requireScope } from '../services/profile-scope';

const CHANNELS: Record<CijRequest['channeltype'], Channel | undefined> = {
  email: 'email',
  sms: 'sms',
  custom: 'custom',
  push: undefined,
};

/**
 * The consent-provider check: the compliance profile, purpose and topic found by their GUIDs, each
 * contact point decided as /api/check decides a message to a lead (a dry run: Customer Insights -
 * Journeys applies its own frequency caps), and the unsubscribe URLs when asked for.
 */
export async function consentForMessage(
  body: CijRequest,
  deps: { catalog: CatalogService; checks: CheckService; links: LinkService; parser: ContactPointParser },
  scope: ProfileScope,
  baseUrl: string,
): Promise<CijResponse> {
  const catalog = await deps.catalog.current();
  const guids = catalogGuids(catalog);
  const problems: ErrorDetail[] = [];
  const channel = CHANNELS[body.channeltype];
  if (!channel)
    problems.push({ path: 'channeltype', message: 'push notifications are not a channel of this service' });
  const profile = guids.profiles.get(body.complianceprofile.Id);
  if (!profile)
    problems.push({
      path: 'complianceprofile.Id',
      message: `no profile has the GUID ${body.complianceprofile.Id}`,
    });
  const purpose = guids.purposes.get(body.purpose.Id);
  if (!purpose) problems.push({ path: 'purpose.Id', message: `no purpose has the GUID ${body.purpose.Id}` });
  else if (profile && purpose.profile.id !== profile.id)
    problems.push({ path: 'purpose.Id', message: 'the purpose belongs to another compliance profile' });
  const topic = body.topic ? guids.topics.get(body.topic.Id) : undefined;
  if (body.topic && !topic)
    problems.push({ path: 'topic.Id', message: `no topic has the GUID ${body.topic.Id}` });
  else if (topic && purpose && topic.purpose.id !== purpose.purpose.id)
    problems.push({ path: 'topic.Id', message: 'the topic belongs to another purpose' });
  if (problems.length > 0 || !channel || !profile || !purpose)
    throw new ValidationError('The consent check cannot be answered.', problems);
  requireScope(scope, 'Consent.Check', [
    { path: 'complianceprofile.Id', profileId: profile.id, known: true },
  ]);

  const message = (contactPoint: string, i: number) => ({
    messageId: String(i),
    channel,
    contactPoint,
    profileId: profile.id,
    purposeId: purpose.purpose.id,
    ...(topic ? { topicId: topic.topic.id } : {}),
    audience: 'lead' as const,
    contact: undefined,
  });
  const decisions = await deps.checks.check(body.contactpoints.map(message), undefined, undefined, true);
  const wantsLinks = body.unsubscribeurlrequired === true || body.oneclickunsubscribeurlrequired === true;
  const usable = body.contactpoints.map((cp) => deps.parser.parse(channel, cp).ok);
  const requests = body.contactpoints
    .filter((_, i) => usable[i])
    .map((contactPoint) => ({
      channel,
      contactPoint,
      profileId: profile.id,
      purposeId: purpose.purpose.id,
      ...(topic ? { topicId: topic.topic.id } : {}),
    }));
  const links = wantsLinks && requests.length > 0 ? await deps.links.create(requests, baseUrl) : [];
  let next = 0;
  return {
    consents: body.contactpoints.map((contactpoint, i) => {
      const set = wantsLinks && usable[i] ? links[next++] : undefined;
      return {
        contactpoint,
        consentformessage: decisions[i]!.decision === 'sent',
        ...(set && body.unsubscribeurlrequired ? { unsubscribeurl: set.preferencesUrl } : {}),
        ...(set && body.oneclickunsubscribeurlrequired ? { oneclickunsubscribeurl: set.unsubscribeUrl } : {}),
      };
    }),
  };
}
