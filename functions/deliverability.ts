import { operations } from '../shared/api';
import { parseAcsEmailDelivery } from '../shared/deliverability/acs-email';
import { reviewOf } from '../shared/deliverability/review';
import { applySendgridDelivery, readSendgridBody } from '../shared/deliverability/sendgrid';
import { ForbiddenError } from '../shared/errors';
import { getConfig } from '../shared/config';
import { json, register } from '../shared/http';
import { publicBaseUrl } from '../shared/public-url';
import { getServices } from '../shared/runtime';
import { handshakeAnswer, readEventGridBody } from '../shared/sms/event-grid';
import type { Caller } from '../shared/domain/access';

/** A suppression blocks the address for every profile: only a role that reaches them all may change it. */
function requireEveryProfile(caller: Caller): void {
  if (caller.scope('Consent.Write') !== 'all') {
    throw new ForbiddenError(
      'A suppression concerns every profile: it needs Consent.Write for all of them.',
      [{ path: '', message: 'the role Consent.Write reaches only some profiles' }],
    );
  }
}

register(operations.addSuppressions, async ({ body, caller }) => {
  requireEveryProfile(caller);
  const { suppressions } = getServices();
  const inputs = body.suppressions;
  const contactPoints = suppressions.parse(inputs);
  return json({ results: await suppressions.record(inputs, contactPoints, 'api', caller) });
});

register(operations.getSuppression, async ({ query }) =>
  json(await getServices().suppressions.get(query.channel, query.contactPoint)),
);

register(operations.liftSuppression, async ({ query, caller }) => {
  requireEveryProfile(caller);
  return json(await getServices().suppressions.lift(query.channel, query.contactPoint, caller));
});

register(operations.acsEmailEvents, async ({ request, caller }) => {
  const { type, body } = await readEventGridBody(request);
  const delivery = parseAcsEmailDelivery(type, body);
  if (delivery.kind === 'validation') return json({ validationResponse: delivery.validationCode });
  requireEveryProfile(caller);
  const rejected = [
    ...delivery.rejected,
    ...(await getServices().suppressions.recordEvents(delivery.events, 'acs-email', 'data.recipient')),
  ].sort((a, b) => a.index - b.index);
  return json({ processed: delivery.read, ...(rejected.length > 0 ? { rejected } : {}) });
});

register(operations.acsEmailHandshake, async ({ request }) => handshakeAnswer(request));

register(operations.sendgridEvents, async ({ request }) => {
  const services = getServices();
  const raw = await readSendgridBody(
    request,
    services.config.SENDGRID_WEBHOOK_PUBLIC_KEY,
    services.consents.now(),
  );
  const { processed, rejected } = await applySendgridDelivery(raw, {
    catalog: services.catalog,
    suppressions: services.suppressions,
    consents: services.consents,
    parser: services.parser,
  });
  return json({ processed, ...(rejected.length > 0 ? { rejected } : {}) });
});

register(operations.reviewMessage, async ({ body, request }) =>
  json(reviewOf(await getServices().catalog.current(), body, publicBaseUrl(getConfig(), request.url))),
);
