import { z } from 'zod';
import { guidSchema, LIMITS } from '../common/common.schemas';

/*
 * The consent-provider custom API of Customer Insights - Journeys, with its field names. A foreign
 * contract: fields it adds later are ignored (not refused), the ones read are checked.
 */

const reference = (logicalName: string) =>
  z.object({
    Id: guidSchema,
    LogicalName: z.literal(logicalName).optional(),
  });

export const cijRequestSchema = z.object({
  contactpoints: z
    .array(z.string().max(LIMITS.contactPointLength))
    .min(1)
    .max(1000)
    .describe('the addresses or numbers of one send, as the journey has them'),
  purpose: reference('msdynmkt_purpose'),
  topic: reference('msdynmkt_topic').nullish(),
  channeltype: z.enum(['email', 'sms', 'custom', 'push']),
  complianceprofile: reference('msdynmkt_compliancesettings4'),
  owningbusinessunit: z
    .object({ Id: z.string().max(64).optional() })
    .loose()
    .nullish(),
  unsubscribeurlrequired: z.boolean().nullish(),
  oneclickunsubscribeurlrequired: z.boolean().nullish(),
  correlationheaders: z.record(z.string(), z.unknown()).nullish(),
});
export type CijRequest = z.infer<typeof cijRequestSchema>;

export const cijResponseSchema = z.object({
  consents: z.array(
    z.object({
      contactpoint: z.string().describe('as given'),
      consentformessage: z.boolean().describe('the check for audience lead: sent'),
      unsubscribeurl: z.string().optional().describe('the preference page, when asked for'),
      oneclickunsubscribeurl: z.string().optional().describe('the one-click unsubscribe URL, when asked for'),
    }),
  ),
});
export type CijResponse = z.infer<typeof cijResponseSchema>;
