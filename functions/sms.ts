import { operations } from '../shared/api';
import { EMPTY_TWIML } from '../shared/api/sms/sms.schemas';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';
import { handshakeAnswer, readAcsDelivery } from '../shared/sms/event-grid';
import { readTwilioForm, twilioText, twimlMessage } from '../shared/sms/twilio';

register(operations.smsTwilio, async ({ request }) => {
  const { config, sms } = getServices();
  const form = await readTwilioForm(request, config);
  const text = twilioText(form);
  const reply = await sms.reply(text, await sms.receive(text, 'sms-twilio'));
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: reply ? twimlMessage(reply) : EMPTY_TWIML,
  };
});

register(operations.smsAcs, async ({ request, caller }) => {
  const delivery = await readAcsDelivery(request);
  if (delivery.kind === 'validation') return json({ validationResponse: delivery.validationCode });
  // The delivering identity (Event Grid's, under entra) vouches for the provider's actor.
  const actor = { name: 'sms-acs', ...(caller.id !== undefined ? { id: caller.id } : {}) };
  const processed = await getServices().sms.receiveAll(delivery.texts, actor, caller.scope('Consent.Write'));
  return json({ processed, ...(delivery.rejected.length > 0 ? { rejected: delivery.rejected } : {}) });
});

/** The CloudEvents abuse-protection handshake: who will deliver is allowed to. */
register(operations.smsAcsHandshake, async ({ request }) => handshakeAnswer(request));
