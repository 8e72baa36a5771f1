import { problemSchema } from '../common/common.schemas';
import { invalid, tooLarge, unavailable, type Operation } from '../common/operation';
import {
  auditQuerySchema,
  auditResponseSchema,
  eraseBodySchema,
  eraseResponseSchema,
  exportBodySchema,
  exportResponseSchema,
} from './subjects.schemas';

const forbidden = {
  403: { description: 'The role does not reach what the request names', schema: problemSchema },
};

/** Data subject requests: a person's data handed over (Art. 15/20) or erased (Art. 17). */
export const subjectsOperations = {
  exportSubjects: {
    name: 'exportSubjects',
    method: 'POST',
    route: 'subjects/export',
    authLevel: 'function',
    access: 'Consent.Read',
    summary: 'Everything held about 1..50 contact points, machine-readable (audited)',
    body: exportBodySchema,
    responses: {
      200: { description: 'What is held, per contact point in request order', schema: exportResponseSchema },
      ...invalid,
      ...tooLarge,
      ...unavailable,
    },
  },
  eraseSubjects: {
    name: 'eraseSubjects',
    method: 'POST',
    route: 'subjects/erase',
    authLevel: 'function',
    access: 'Subjects.Erase',
    summary: 'Erases 1..50 contact points, leaving a tombstone that keeps blocking (audited)',
    body: eraseBodySchema,
    responses: {
      200: { description: 'One result per contact point, in request order', schema: eraseResponseSchema },
      ...invalid,
      ...forbidden,
      ...tooLarge,
      ...unavailable,
    },
  },
  subjectsAudit: {
    name: 'subjectsAudit',
    method: 'GET',
    route: 'subjects/audit',
    authLevel: 'function',
    access: 'Consent.Read',
    summary: 'Erasures and exports, oldest first (never an address)',
    query: auditQuerySchema,
    responses: {
      200: { description: 'Audit entries and a token for the next page', schema: auditResponseSchema },
      ...invalid,
      ...unavailable,
    },
  },
} satisfies Record<string, Operation>;
