import { z } from 'zod';
import { idSchema, instantSchema } from '../common/common.schemas';

export const statsQuerySchema = z
  .strictObject({
    from: instantSchema,
    to: instantSchema,
    granularity: z.enum(['hour', 'day']).default('hour'),
    profileId: idSchema.optional(),
  })
  .describe('at most 92 days');

const counts = z.record(z.string(), z.number().int());
export const statsResponseSchema = z.object({
  buckets: z.array(
    z.object({
      start: z.string(),
      decisions: z.object({ sent: z.number().int(), blocked: z.number().int(), byReason: counts }),
      changes: z.object({
        optedIn: z.number().int(),
        optedOut: z.number().int(),
        notSet: z.number().int(),
        bySource: counts,
      }),
    }),
  ),
});
