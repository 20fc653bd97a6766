import Type from 'typebox';
import type { ErrorCode, ErrorDetail } from './errors.js';
import { DeployDbError, isDeployDbError } from './errors.js';
import { literalUnion } from './domain/shapes.js';

/**
 * The one place where error codes become HTTP statuses: the API answers with them, and inbound
 * triggers report the status the equivalent API call would have answered.
 */
const statusOf: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  no_service: 404,
  method_not_allowed: 405,
  conflict: 409,
  already_exists: 409,
  invalid_transition: 409,
  not_reportable: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  config_invalid: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** Every error code, as the API documents them. */
export const ERROR_CODES = Object.keys(statusOf) as ErrorCode[];

/** The inner object of an error answer; inbound triggers report the same object per event. */
export const ErrorObjectSchema = Type.Object(
  {
    code: literalUnion(ERROR_CODES),
    message: Type.String({ description: 'a sentence for people' }),
    details: Type.Array(
      Type.Object(
        { path: Type.String({ description: 'a JSON pointer into the input ("" for all of it)' }), message: Type.String() },
        { $id: 'ErrorDetail', additionalProperties: false },
      ),
    ),
    existingId: Type.Optional(Type.Integer({ minimum: 1, description: 'with 409 already_exists: the id of what is already there' })),
  },
  { $id: 'ErrorObject' },
);

/** The body of every error answer (CONTRACT §4): `{error: {code, message, details}}`. */
export const ErrorBodySchema = Type.Object({ error: ErrorObjectSchema }, { $id: 'Error', additionalProperties: false });

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: ErrorDetail[]; [extra: string]: unknown };
}

/** The status and body for an error; anything not a DeployDbError is an internal error, without its stack. */
export function errorResponse(error: unknown): { status: number; body: ErrorBody } {
  const known = isDeployDbError(error) ? error : new DeployDbError('internal', 'internal error');
  return {
    status: statusOf[known.code],
    body: { error: { code: known.code, message: known.message, details: known.details, ...known.extra } },
  };
}

export function httpStatusOf(code: ErrorCode): number {
  return statusOf[code];
}
