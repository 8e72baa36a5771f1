import type { HttpRequest } from '@azure/functions';
import { ServiceError } from '../errors';
import { readBodyBytes } from './body-bytes';
import { parseMediaType } from './media-type';

/** The largest form body a page accepts (413 past it). */
export const MAX_FORM_BYTES = 64 * 1024;

/**
 * A form body: `application/x-www-form-urlencoded` or `multipart/form-data` (RFC 8058 allows
 * both); anything else is 415. Files in a multipart body are ignored.
 */
export async function readForm(request: HttpRequest): Promise<URLSearchParams> {
  const contentType = request.headers.get('content-type') ?? '';
  const { type } = parseMediaType(contentType);
  const bytes = await readBodyBytes(request, MAX_FORM_BYTES);
  if (type === 'application/x-www-form-urlencoded' || (type === '' && bytes.length === 0)) {
    return new URLSearchParams(new TextDecoder('utf-8').decode(bytes));
  }
  if (type === 'multipart/form-data') {
    let data: FormData;
    try {
      data = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
    } catch {
      throw new ServiceError('validation-failed', 'The form could not be read.');
    }
    const form = new URLSearchParams();
    for (const [name, value] of data) if (typeof value === 'string') form.append(name, value);
    return form;
  }
  throw new ServiceError(
    'unsupported-media-type',
    'Send the form as application/x-www-form-urlencoded or multipart/form-data.',
  );
}
