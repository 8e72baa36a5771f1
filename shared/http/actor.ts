import type { HttpRequest } from '@azure/functions';
import { ValidationError } from '../errors';

/** Who made a change: the caller's own header, then App Service authentication, else anonymous. */
export function actorOf(request: HttpRequest): string {
  const actor =
    request.headers.get('x-consent-actor')?.trim() ||
    request.headers.get('x-ms-client-principal-name')?.trim();
  if (!actor) return 'anonymous';
  if (actor.length > 256) {
    throw new ValidationError('The actor header is not valid.', [
      { path: 'x-consent-actor', message: 'at most 256 characters' },
    ]);
  }
  return actor;
}
