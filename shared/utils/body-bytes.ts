import type { HttpRequest } from '@azure/functions';
import { ServiceError } from '../errors';

/** The largest request body any route accepts; the local host enforces it too. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * The raw body, refused with 415 when it is compressed or otherwise encoded (only `identity` is read)
 * and with 413 past the service's own limit: the Functions host lets up to 100 MB through.
 */
export async function readBodyBytes(request: HttpRequest, limit = MAX_REQUEST_BYTES): Promise<Buffer> {
  const encoding = request.headers.get('content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    throw new ServiceError('unsupported-media-type', 'Send the body without a Content-Encoding.');
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) throw tooLarge(limit);
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > limit) throw tooLarge(limit);
  return bytes;
}

function tooLarge(limit: number): ServiceError {
  return new ServiceError('payload-too-large', `A request body may hold at most ${limit} bytes.`);
}
