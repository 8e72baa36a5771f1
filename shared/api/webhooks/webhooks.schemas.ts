import { z } from 'zod';
import { CHANNELS, SOURCES } from '../../domain/model';
import { idSchema } from '../common/common.schemas';

export const webhookParamsSchema = z.object({ id: idSchema });

export const webhookBodySchema = z.strictObject({
  url: z.string().max(2048).describe('https (http only on a loopback address); no private targets'),
  secret: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'whsec_ followed by at least 24 bytes in base64')
    .optional()
    .describe('the Standard Webhooks signing secret; generated (and returned once) when absent'),
  filter: z
    .strictObject({
      channels: z.array(z.enum(CHANNELS)).min(1).optional(),
      profileIds: z.array(idSchema).min(1).max(100).optional(),
      sources: z.array(z.enum(SOURCES)).min(1).optional(),
      excludeActors: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
    })
    .optional(),
  enabled: z.boolean().optional(),
});
export type WebhookBody = z.infer<typeof webhookBodySchema>;

const webhookView = z.object({
  id: z.string(),
  url: z.string(),
  secret: z.string().optional().describe('only in the answer that generated it'),
  filter: webhookBodySchema.shape.filter.unwrap(),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  failing: z.boolean().optional(),
  lastError: z.string().optional(),
  nextAttemptAt: z.string().optional(),
  delivered: z.number().int().optional(),
  deadLetters: z.number().int().optional().describe('changes given up on after 24 hours of failures'),
  deadLetterEvents: z.array(z.object({ changeId: z.string(), at: z.string(), error: z.string() })).optional(),
});
export const webhookResponseSchema = webhookView;
export const webhookListSchema = z.object({ webhooks: z.array(webhookView) });
export const replayResponseSchema = z.object({ replayed: z.number().int(), failed: z.number().int() });
