import { randomBytes } from 'node:crypto';
import type { WebhookBody } from '../api/webhooks/webhooks.schemas';
import { NotFoundError } from '../errors';
import { signedPost } from './deliver';
import type { WebhookRelay, RelayTarget } from './webhook-relay';
import type { Subscription, WebhookStore } from './webhook-store';
import { checkWebhookTarget } from './webhook-url';

export interface WebhookServiceOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  clock: () => number;
  /** The Event Grid topic, when one is configured: relayed like a subscription. */
  eventGrid?: RelayTarget | undefined;
}

/** A subscription as the API shows it: never its secret (returned once, when it is generated). */
function view(subscription: Subscription, state?: Awaited<ReturnType<WebhookStore['state']>>['state']) {
  const { secret: _secret, ...rest } = subscription;
  return {
    ...rest,
    ...(state
      ? {
          failing: state.attempts > 0,
          ...(state.lastError ? { lastError: state.lastError } : {}),
          ...(state.nextAttemptAt ? { nextAttemptAt: new Date(state.nextAttemptAt).toISOString() } : {}),
          delivered: state.delivered,
          deadLetters: state.deadLetters,
        }
      : {}),
  };
}

/** Webhook subscriptions (API.md, "Webhooks (push)"): managed here, delivered by the relay. */
export class WebhookService {
  constructor(
    private readonly store: WebhookStore,
    private readonly relay: WebhookRelay | undefined,
    private readonly options: WebhookServiceOptions,
  ) {}

  async put(id: string, body: WebhookBody) {
    await checkWebhookTarget(body.url, this.options.allowPrivate);
    const existing = await this.store.get(id);
    const generated = body.secret === undefined && !existing;
    const secret = body.secret ?? existing?.secret ?? `whsec_${randomBytes(32).toString('base64')}`;
    const now = new Date(this.options.clock()).toISOString();
    const subscription: Subscription = {
      id,
      url: body.url,
      secret,
      filter: body.filter ?? {},
      enabled: body.enabled ?? true,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    await this.store.put(subscription, !existing);
    if (!existing) await this.relay?.start(id);
    return { created: !existing, webhook: { ...view(subscription), ...(generated ? { secret } : {}) } };
  }

  async list() {
    return { webhooks: (await this.store.list()).map((s) => view(s)) };
  }

  async get(id: string) {
    const subscription = await this.store.get(id);
    if (!subscription) throw new NotFoundError(`There is no webhook "${id}".`);
    const { state } = await this.store.state(id);
    const deadLetters = await this.store.deadLetters(id);
    return {
      ...view(subscription, state),
      deadLetterEvents: deadLetters.map((d) => ({ changeId: d.changeId, at: d.at, error: d.error })),
    };
  }

  async remove(id: string): Promise<void> {
    if (!(await this.store.get(id))) throw new NotFoundError(`There is no webhook "${id}".`);
    await this.store.remove(id);
  }

  /** Sends dead-lettered events again, now; those delivered leave the dead letters. */
  async replay(id: string): Promise<{ replayed: number; failed: number }> {
    const subscription = await this.store.get(id);
    if (!subscription) throw new NotFoundError(`There is no webhook "${id}".`);
    const deliver = signedPost(subscription.url, subscription.secret, this.options);
    let replayed = 0;
    let failed = 0;
    for (const letter of await this.store.deadLetters(id)) {
      const result = await deliver(JSON.parse(letter.event));
      if (result.ok) {
        await this.store.removeDeadLetter(id, letter.changeId);
        replayed++;
      } else failed++;
    }
    return { replayed, failed };
  }

  /** What the relay delivers to: every enabled subscription, and the Event Grid topic. */
  async targets(): Promise<RelayTarget[]> {
    const subscriptions = (await this.store.list()).filter((s) => s.enabled);
    return [
      ...subscriptions.map((s) => ({
        id: s.id,
        filter: s.filter,
        deliver: signedPost(s.url, s.secret, this.options),
      })),
      ...(this.options.eventGrid ? [this.options.eventGrid] : []),
    ];
  }
}
