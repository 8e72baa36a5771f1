import { z } from 'zod';
import { upsertResultSchema, contactPointQuerySchema, idSchema } from '../api/common/common.schemas';
import { checkMessageSchema, contactabilitySchema, decisionSchema } from '../api/check/check.schemas';
import { consentRecordInputSchema } from '../api/consents/consents.schemas';
import { linkRequestSchema, linkSetSchema } from '../api/links/links.schemas';
import type { Caller } from '../domain/access';
import { explainDecision } from '../domain/reason-words';
import { ForbiddenError } from '../errors';
import type { LinkService } from '../links/link-service';
import type { CatalogService } from '../services/catalog-service';
import type { CheckService } from '../services/check-service';
import type { ConsentService } from '../services/consent-service';
import { profileOf, requireScope } from '../services/profile-scope';

/** What a tool call runs with: who calls, the services, and the service's public origin (for links). */
export interface ToolContext {
  caller: Caller;
  services: { checks: CheckService; links: LinkService; consents: ConsentService; catalog: CatalogService };
  baseUrl: string;
}

export interface ToolDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  readOnly: boolean;
  run(args: z.output<I>, context: ToolContext): Promise<{ structured: z.output<O>; text: string }>;
}

const tool = <I extends z.ZodType, O extends z.ZodType>(definition: ToolDefinition<I, O>) => definition;

// Every input is the HTTP route's own schema, narrowed to what an agent gives; every output the
// route's answer. One contract, two transports.

const checkInput = checkMessageSchema.pick({
  channel: true,
  contactPoint: true,
  profileId: true,
  purposeId: true,
  topicId: true,
  timeZone: true,
  audience: true,
});
const checkOutput = decisionSchema
  .omit({ messageId: true, links: true })
  .extend({ explanation: z.string().describe('the decision and its reasons in words') });

const contactabilityInput = contactPointQuerySchema.extend({ profileId: idSchema }).strict();

const recordInput = consentRecordInputSchema.pick({
  channel: true,
  contactPoint: true,
  purposeId: true,
  topicId: true,
  value: true,
  source: true,
  reason: true,
  reasonDescription: true,
});

const scoped = (context: ToolContext, profileId: string) =>
  requireScope(context.caller.scope('Consent.Check'), 'Consent.Check', [
    { path: 'profileId', profileId, known: true },
  ]);

export const TOOLS = [
  tool({
    name: 'check_consent',
    title: 'Check consent before sending',
    description:
      'Whether one message (email, text, call, custom) may be sent to a contact point right now for a purpose (and topic), and whether it may be tracked, with every reason in words. A dry run: it counts toward no frequency cap. Call it right before sending; never cache its answer.',
    input: checkInput,
    output: checkOutput,
    readOnly: true,
    async run(args, context) {
      scoped(context, args.profileId);
      const [decision] = await context.services.checks.check(
        [{ ...args, messageId: 'mcp', contact: undefined }],
        undefined,
        undefined,
        true,
      );
      const { messageId: _id, links: _links, ...rest } = decision!;
      const explanation = explainDecision(rest);
      return { structured: { ...rest, explanation }, text: explanation };
    },
  }),
  tool({
    name: 'get_unsubscribe_link',
    title: 'Unsubscribe and preference links',
    description:
      'The one-click unsubscribe URL and the preference page URL for a contact point (and, for email, the List-Unsubscribe headers), to put in a message.',
    input: linkRequestSchema.omit({ expiresAt: true }).strict(),
    output: linkSetSchema,
    readOnly: true,
    async run(args, context) {
      scoped(context, args.profileId);
      const [links] = await context.services.links.create([args], context.baseUrl);
      return {
        structured: links!,
        text: `Unsubscribe: ${links!.unsubscribeUrl} · Preferences: ${links!.preferencesUrl}`,
      };
    },
  }),
  tool({
    name: 'get_contactability',
    title: 'What will send to a contact point',
    description:
      'For every purpose and topic of a profile: whether a message to this contact point will be sent, its consent, and why not; and whether it will be tracked.',
    input: contactabilityInput,
    output: contactabilitySchema,
    readOnly: true,
    async run(args, context) {
      scoped(context, args.profileId);
      const view = await context.services.checks.contactability({
        ...args,
        audience: 'contact',
        contact: {},
      });
      const sending = view.purposes.filter((p) => p.willSend).map((p) => p.purposeId);
      const text = sending.length
        ? `Will send for: ${sending.join(', ')}. ${view.tracking.willTrack ? 'Tracked.' : 'Not tracked.'}`
        : 'Nothing will be sent to this contact point for this profile.';
      return { structured: view, text };
    },
  }),
  tool({
    name: 'record_consent',
    title: 'Record consent',
    description:
      "Records a person's consent for a purpose or topic (opt-in, opt-out), as the person gave it to the agent. An opt-out is always applied. Needs the role Consent.Write.",
    input: recordInput,
    output: upsertResultSchema,
    readOnly: false,
    async run(args, context) {
      const { caller, services } = context;
      if (!caller.can('Consent.Write'))
        throw new ForbiddenError('Recording consent needs the role Consent.Write.');
      const scope = caller.scope('Consent.Write');
      if (scope !== 'all') {
        const catalog = await services.catalog.current();
        requireScope(scope, 'Consent.Write', [
          { path: 'purposeId', profileId: profileOf(catalog, args.purposeId, args.topicId) },
        ]);
      }
      const [result] = await services.consents.upsert([args], caller);
      return { structured: result!, text: `Recorded: ${result!.outcome}.` };
    },
  }),
] as const;
