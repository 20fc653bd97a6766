/**
 * Errors are values with a `code` from the contract. They are mapped to HTTP statuses in one
 * place (`errorResponse.ts`); the domain and plugins never think in status codes.
 */

/** Error codes that DeployDB answers with; plugins may use any of them. */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'no_service'
  | 'method_not_allowed'
  | 'conflict'
  | 'already_exists'
  | 'invalid_transition'
  | 'not_reportable'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'validation_failed'
  | 'rate_limited'
  | 'config_invalid'
  | 'unavailable'
  | 'internal';

/** One problem found in an input, `path` a JSON pointer into it ("" for the whole input). */
export interface ErrorDetail {
  path: string;
  message: string;
}

const BRAND = Symbol.for('@deploydb/error');

/**
 * An expected failure with a contract error code. Checked with {@link isDeployDbError}, never
 * with `instanceof`, so that two copies of `@deploydb/core` in one process still agree.
 */
export class DeployDbError extends Error {
  readonly [BRAND] = true;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** Extra top-level fields of the error body, e.g. `existingId`. */
    readonly extra: Record<string, unknown> = {},
    /** The error this one explains (kept as `cause`, for logs). */
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DeployDbError';
  }
}

/** True for a {@link DeployDbError} made by any copy of `@deploydb/core`. */
export function isDeployDbError(value: unknown): value is DeployDbError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

export const notFound = (what: string) => new DeployDbError('not_found', `${what} not found`);
