import { problemSchema } from '../common/common.schemas';
import { invalid, unavailable, type Operation } from '../common/operation';
import { statsQuerySchema, statsResponseSchema } from './stats.schemas';

/** Activity: decisions and changes over time, from counters every instance adds up in memory. */
export const statsOperations = {
  stats: {
    name: 'stats',
    method: 'GET',
    route: 'stats',
    authLevel: 'function',
    access: 'Consent.Read',
    summary: 'Decisions by reason and changes by source and value, per hour or day (a profile, or all)',
    query: statsQuerySchema,
    responses: {
      200: { description: 'One bucket per hour or day of the range', schema: statsResponseSchema },
      ...invalid,
      403: { description: 'A scoped reader names no profile, or another one', schema: problemSchema },
      ...unavailable,
    },
  },
} satisfies Record<string, Operation>;
