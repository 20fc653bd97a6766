import type { ErrorBody } from '../errorResponse.js';

/** Bad usage of the command line: exit status 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** The server answered with an error: exit status 1, its error on one line. */
export class RefusedError extends Error {
  readonly exitCode = 1;
  constructor(
    readonly status: number,
    /** The error body as the server sent it (null when it sent no JSON). */
    readonly body: ErrorBody | null,
    text: string,
  ) {
    super(refusalLine(status, body, text));
  }
}

/** `409 invalid_transition: deployment 12: ... (/status: ...)` */
function refusalLine(status: number, body: ErrorBody | null, text: string): string {
  if (!body?.error) return `${status} ${text.replace(/\s+/g, ' ').trim().slice(0, 300) || 'no answer body'}`;
  const { code, message, details } = body.error;
  const where = details?.length ? ` (${details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')})` : '';
  return `${status} ${code}: ${message}${where}`.replace(/\s*\n\s*/g, ' ');
}

/** The server could not be reached: exit status 1. */
export class UnreachableError extends Error {
  readonly exitCode = 1;
}
