import type { Context } from 'hono';
import { DeployDbError, type ErrorCode } from '../errors.js';
import { errorResponse, type ErrorBody } from '../errorResponse.js';

/** A JSON answer. */
export function json(c: Context, status: number, body: unknown, headers?: Record<string, string>): Response {
  return c.newResponse(JSON.stringify(body), status as 200, { 'content-type': 'application/json; charset=utf-8', ...headers });
}

/** A refusal that also sets headers on its answer: `Retry-After` on a 429, `Allow` on a 405, `Connection: close`. */
export class RefusalWithHeaders extends DeployDbError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly headers: Record<string, string>,
  ) {
    super(code, message);
  }
}

/** The contract's error answer for anything thrown (never a stack trace), with a refusal's headers. */
export function errorAnswer(c: Context, error: unknown): Response {
  const { status, body } = errorResponse(error);
  return json(c, status, body satisfies ErrorBody, error instanceof RefusalWithHeaders ? error.headers : undefined);
}
