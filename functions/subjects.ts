import { operations } from '../shared/api';
import { ForbiddenError } from '../shared/errors';
import { json, register } from '../shared/http';
import { getServices } from '../shared/runtime';

register(operations.exportSubjects, async ({ body, caller }) =>
  json(await getServices().subjects.export(body, caller, caller.scope('Consent.Read'))),
);

register(operations.eraseSubjects, async ({ body, caller }) => {
  // An erasure blocks the address for every profile: only a role that reaches them all may erase.
  if (caller.scope('Subjects.Erase') !== 'all') {
    throw new ForbiddenError('An erasure concerns every profile: it needs Subjects.Erase for all of them.', [
      { path: 'contactPoints', message: 'the role Subjects.Erase reaches only some profiles' },
    ]);
  }
  return json({ results: await getServices().subjects.erase(body.contactPoints, body.reason, caller) });
});

register(operations.subjectsAudit, async ({ query }) => json(await getServices().subjects.auditLog(query)));
