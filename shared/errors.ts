/** One error family for the whole service. Codes are stable strings; HTTP is decided in `problem.ts`. */
export type ErrorCode =
  | 'validation-failed'
  | 'unauthenticated'
  | 'identity-unavailable'
  | 'malformed-json'
  | 'forbidden'
  | 'unsupported-media-type'
  | 'payload-too-large'
  | 'not-found'
  | 'conflict'
  | 'storage-unavailable'
  | 'storage-contention'
  | 'capacity-exceeded'
  | 'gone'
  | 'precondition-failed'
  | 'not-supported'
  | 'method-not-allowed';

export interface ErrorDetail {
  path: string;
  message: string;
  index?: number;
}

export class ServiceError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

export class ValidationError extends ServiceError {
  constructor(message: string, details: ErrorDetail[]) {
    super('validation-failed', message, details);
  }
}

/** The request is not from whom it claims (a webhook signature), or its caller may not do this. */
export class ForbiddenError extends ServiceError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super('forbidden', message, details);
  }
}

export class NotFoundError extends ServiceError {
  constructor(message: string) {
    super('not-found', message);
  }
}

export class ConflictError extends ServiceError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super('conflict', message, details);
  }
}

/** The table store could not be reached or answered with a server error: never guess, fail closed. */
export class StorageUnavailableError extends ServiceError {
  constructor(message = 'The consent store cannot be reached right now.') {
    super('storage-unavailable', message);
  }
}

/** The settings do not fit the store (a SUBJECT_KEY other than its own): 503 until they are fixed. */
export class MisconfiguredError extends StorageUnavailableError {}

/** Optimistic concurrency gave up after its retries; the caller may retry the whole request. */
export class StorageContentionError extends ServiceError {
  constructor() {
    super('storage-contention', 'Too many concurrent writers on the same record; retry the request.');
  }
}

export class CapacityError extends ServiceError {
  constructor(message: string) {
    super('capacity-exceeded', message);
  }
}

/** What was asked for is no longer kept (a change feed cursor older than the retention). */
export class GoneError extends ServiceError {
  constructor(message: string) {
    super('gone', message);
  }
}

/** The record changed since the version the caller named (an If-Match that no longer matches). */
export class PreconditionFailedError extends ServiceError {
  constructor(message = 'The record changed since that version was read.') {
    super('precondition-failed', message);
  }
}

/**
 * No credential, or one that does not verify (AUTH_MODE=entra): 401 with a Bearer challenge, its
 * `error` the standard code when a token was given, never which check failed.
 */
export class UnauthenticatedError extends ServiceError {
  constructor(readonly challenge?: 'invalid_token') {
    super(
      'unauthenticated',
      challenge ? 'The access token is not valid.' : 'Send an access token: Authorization: Bearer <token>.',
    );
  }
}

/** The identity provider's keys cannot be read right now: nothing is authorized on a guess. */
export class IdentityUnavailableError extends ServiceError {
  constructor() {
    super('identity-unavailable', 'The identity provider cannot be reached right now.');
  }
}
