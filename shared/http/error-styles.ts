import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Operation } from '../api';
import { dataverseError } from '../dataverse/responses';
import { ServiceError, UnauthenticatedError } from '../errors';
import { errorLocale, type PageRequest } from '../links/page-language';
import { linkErrorPage } from '../links/pages';
import { pageResponse } from '../web/page-http';
import { RETRY_AFTER_SECONDS, statusOfError, toProblem } from './problems';

/**
 * The one place a handler's error becomes an answer, in the style its operation declares:
 * problem+json, an HTML page that reveals nothing (the token pages), or the Dataverse error shape.
 */
export function errorResponse(
  style: Operation['errors'],
  error: unknown,
  context: InvocationContext,
  request?: PageRequest,
): HttpResponseInit {
  const response = styled(style, error, context, request);
  // A 401 says how to authenticate (RFC 6750), and no more than the standard error code.
  if (error instanceof UnauthenticatedError) {
    response.headers = {
      ...(response.headers as Record<string, string>),
      'www-authenticate': error.challenge ? `Bearer error="${error.challenge}"` : 'Bearer',
    };
  }
  return response;
}

function styled(
  style: Operation['errors'],
  error: unknown,
  context: InvocationContext,
  request?: PageRequest,
): HttpResponseInit {
  if (style === 'page') {
    // A link that is no longer kept is as invalid as any other: the page reveals nothing more.
    const status = statusOfError(error) === 410 ? 404 : statusOfError(error);
    if (status >= 500)
      context.warn(error instanceof ServiceError ? error.code : 'unexpected error on a page');
    return pageResponse(
      status,
      linkErrorPage(status, errorLocale(request)),
      status === 503 ? { 'retry-after': RETRY_AFTER_SECONDS } : {},
    );
  }
  if (style === 'dataverse') {
    const status = statusOfError(error);
    if (status >= 500) context.warn(error instanceof ServiceError ? error.code : 'unexpected error');
    const message =
      error instanceof ServiceError
        ? [error.message, ...error.details.map((d) => `${d.path}: ${d.message}`)].join(' ')
        : 'An unexpected error occurred.';
    return dataverseError(status, message);
  }
  return toProblem(error, context);
}
