import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { httpOptions, operations } from '../shared/api';
import { json, respond } from '../shared/http';
import { getServices } from '../shared/runtime';
import { readAcsDelivery, webhookRequestOrigin } from '../shared/sms/event-grid';
import { EMPTY_TWIML, readTwilioForm, twilioText } from '../shared/sms/twilio';

export async function smsTwilio(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const { config, sms } = getServices();
    const form = await readTwilioForm(request, config);
    await sms.receive(twilioText(form), 'sms-twilio');
    return { status: 200, headers: { 'content-type': 'text/xml' }, body: EMPTY_TWIML };
  });
}

export async function smsAcs(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return respond(context, async () => {
    const delivery = await readAcsDelivery(request);
    if (delivery.kind === 'validation') return json({ validationResponse: delivery.validationCode });
    const processed = await getServices().sms.receiveAll(delivery.texts, 'sms-acs');
    return json({ processed, ...(delivery.rejected.length > 0 ? { rejected: delivery.rejected } : {}) });
  });
}

export async function smsAcsHandshake(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return respond(context, async () => ({
    status: 200,
    headers: { 'webhook-allowed-origin': webhookRequestOrigin(request), 'webhook-allowed-rate': '*' },
  }));
}

const twilio = operations.smsTwilio;
app.http(twilio.name, httpOptions(twilio, smsTwilio));
const acs = operations.smsAcs;
app.http(acs.name, httpOptions(acs, smsAcs));
const handshake = operations.smsAcsHandshake;
app.http(handshake.name, httpOptions(handshake, smsAcsHandshake));
