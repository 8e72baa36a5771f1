import type { ReviewBody } from '../api/deliverability/deliverability.schemas';
import type { Catalog } from '../domain/catalog';
import { reviewMessage, type ReviewFinding } from '../domain/message-review';
import { ValidationError, type ErrorDetail } from '../errors';
import { keywordsFor } from '../domain/keywords';

/** The keywords a text's opt-out instructions may name (single words: `OPT OUT` is two). */
const OPT_OUT_KEYWORDS = keywordsFor('optOut').filter((k) => /^\p{L}+$/u.test(k));

/**
 * "Ready to send" for a message of a profile's purpose: what it lacks (it warns, it blocks
 * nothing). An unknown profile, purpose or topic, or a purpose that sends nothing, is a 400.
 */
export function reviewOf(
  catalog: Catalog,
  body: ReviewBody,
  publicBaseUrl: string,
): { ready: boolean; findings: ReviewFinding[] } {
  const problems: ErrorDetail[] = [];
  const profile = catalog.profiles.get(body.profileId);
  const purpose = profile?.purposes.find((p) => p.id === body.purposeId);
  if (!profile) problems.push({ path: 'profileId', message: `there is no profile "${body.profileId}"` });
  else if (!purpose)
    problems.push({ path: 'purposeId', message: `the profile has no purpose "${body.purposeId}"` });
  else if (purpose.type === 'tracking')
    problems.push({ path: 'purposeId', message: 'a tracking purpose sends no messages' });
  else if (body.topicId !== undefined && !(purpose.topics ?? []).some((t) => t.id === body.topicId))
    problems.push({ path: 'topicId', message: `the purpose has no topic "${body.topicId}"` });
  if (problems.length > 0 || !profile || !purpose || purpose.type === 'tracking')
    throw new ValidationError('The message cannot be reviewed.', problems);
  return reviewMessage(
    {
      channel: body.channel,
      purposeType: purpose.type,
      ...(body.html !== undefined ? { html: body.html } : {}),
      ...(body.text !== undefined ? { text: body.text } : {}),
      ...(body.headers !== undefined ? { headers: body.headers } : {}),
    },
    {
      ...(profile.companyAddress ? { companyAddress: profile.companyAddress } : {}),
      ...(profile.preferenceCenterUrl ? { preferenceCenterUrl: profile.preferenceCenterUrl } : {}),
      publicBaseUrl,
      optOutKeywords: OPT_OUT_KEYWORDS,
      unsubscribePlaceholders: UNSUBSCRIBE_PLACEHOLDERS,
    },
  );
}

/** Merge fields a journey engine replaces with this service's links (its links from /api/check). */
export const UNSUBSCRIBE_PLACEHOLDERS = [
  '{{unsubscribeUrl}}',
  '{{preferencesUrl}}',
  '{{links.unsubscribeUrl}}',
  '{{links.preferencesUrl}}',
];
