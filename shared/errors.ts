/** One error family for the whole service. Codes are stable strings; HTTP is decided in `problem.ts`. */
export type ErrorCode =
  | 'validation-failed'
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

/** The request is not from whom it claims (a webhook signature that does not verify). */
export class ForbiddenError extends ServiceError {
  constructor(message: string) {
    super('forbidden', message);
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
