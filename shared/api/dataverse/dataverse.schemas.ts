import { z } from 'zod';

export const dataversePathSchema = z.object({
  path: z
    .string()
    .default('')
    .describe(
      'msdynmkt_contactpointconsent4s, msdynmkt_purposes or msdynmkt_topics, with (<guid>) for one row',
    ),
});
export const dataverseErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export const dataverseAnswerSchema = z.record(z.string(), z.unknown());
export const dataverseRowBodySchema = z
  .record(z.string(), z.unknown())
  .describe('writable msdynmkt_contactpointconsent4 columns and @odata.bind lookups');
