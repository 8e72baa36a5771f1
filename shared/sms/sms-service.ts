import type { Actor, ProfileScope } from '../domain/access';
import type { ContactPointParser } from '../domain/contact-point';
import { mapLimit } from '../utils/map-limit';
import type { UpsertResult } from '../api/common/common.schemas';
import type { CatalogService } from '../services/catalog-service';
import type { ConsentService } from '../services/consent-service';
import { keywordReply } from '../domain/sms-replies';
import { keywordRecords, phoneNumberOf, type InboundText } from './inbound';
import { resolveKeyword, type KeywordMatch } from '../domain/keywords';

export interface SmsServiceOptions {
  parser: ContactPointParser;
  concurrency: number;
  clock?: () => Date;
}

export type TextOutcome =
  /** The sender is no usable phone number: nothing to attach consent to. */
  | { kind: 'ignored' }
  /** HELP, or no keyword at all: consent does not change. */
  | { kind: 'unchanged'; match: KeywordMatch | undefined }
  | { kind: 'applied'; match: KeywordMatch; results: UpsertResult[] };

/** Text message keywords from any provider become consent, through the one upsert. */
export class SmsService {
  private readonly clock: () => Date;

  constructor(
    private readonly consents: ConsentService,
    private readonly catalog: CatalogService,
    private readonly options: SmsServiceOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Applies one text: a STOP or START writes every purpose it covers for the sender in one upsert,
   * so all of it commits together on that contact point (history, `unchanged`, `stale`).
   */
  async receive(text: InboundText, actor: string | Actor, scope: ProfileScope = 'all'): Promise<TextOutcome> {
    const sender = phoneNumberOf(text.from, this.options.parser);
    if (sender === undefined) return { kind: 'ignored' };
    const match = resolveKeyword(text.message, text.optOutType);
    if (!match || match.action === 'help') return { kind: 'unchanged', match };
    const capturedAt = this.captureTime(text.receivedAt);
    const records = keywordRecords(
      await this.catalog.current(),
      { sender, to: text.to, match, ...(capturedAt !== undefined ? { capturedAt } : {}) },
      this.options.parser,
      (profileId) => scope === 'all' || scope.has(profileId),
    );
    if (records.length === 0) return { kind: 'applied', match, results: [] };
    return {
      kind: 'applied',
      match,
      results: await this.consents.upsert(records, actor, text.eventId ? { event: text.eventId } : {}),
    };
  }

  /**
   * The reply to a text that was a keyword, when the profile owning the number it was sent to has
   * one set (in the keyword's language when translated); undefined: no reply.
   */
  async reply(text: InboundText, outcome: TextOutcome): Promise<string | undefined> {
    if (outcome.kind === 'ignored' || !outcome.match) return undefined;
    const to = phoneNumberOf(text.to, this.options.parser);
    const profile = to === undefined ? undefined : (await this.catalog.current()).smsNumbers.get(to);
    return profile && keywordReply(profile, outcome.match.action, outcome.match.language);
  }

  /**
   * Applies the texts of one delivery and counts those handled (a usable sender). Texts from one
   * sender apply one after another, in delivery order; senders in parallel. After a failure nothing
   * more starts, and the error is thrown once nothing is in flight (the provider retries it all).
   */
  async receiveAll(
    texts: readonly InboundText[],
    actor: string | Actor,
    scope: ProfileScope = 'all',
  ): Promise<number> {
    const bySender = new Map<string, InboundText[]>();
    let ignored = 0;
    for (const text of texts) {
      const sender = phoneNumberOf(text.from, this.options.parser);
      if (sender === undefined) {
        ignored++;
        continue;
      }
      bySender.set(sender, [...(bySender.get(sender) ?? []), text]);
    }
    await mapLimit([...bySender.values()], this.options.concurrency, async (own) => {
      for (const text of own) await this.receive(text, actor, scope);
    });
    return texts.length - ignored;
  }

  /** The provider's receive time, unless it is ahead of ours: then it counts as now. */
  private captureTime(receivedAt: string | undefined): string | undefined {
    if (receivedAt === undefined) return undefined;
    return Date.parse(receivedAt) > this.clock().getTime() ? undefined : receivedAt;
  }
}
