import { problemSchema } from '../common/common.schemas';
import { invalid, unavailable, type Operation } from '../common/operation';
import { changesQuerySchema, changesResponseSchema } from './feed.schemas';

export const feedOperations = {
  consentChanges: {
    name: 'consentChanges',
    method: 'GET',
    route: 'consents/changes',
    authLevel: 'function',
    access: 'Consent.Read',
    summary: 'Every committed change, in commit order, from a cursor',
    query: changesQuerySchema,
    responses: {
      200: {
        description: 'Changes after the cursor and the cursor to continue from',
        schema: changesResponseSchema,
      },
      ...invalid,
      404: { description: 'The change feed is turned off (CHANGE_FEED_DAYS=0)', schema: problemSchema },
      410: { description: 'The cursor is older than the changes kept', schema: problemSchema },
      ...unavailable,
    },
  },
} satisfies Record<string, Operation>;
