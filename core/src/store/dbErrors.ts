import { ConstraintViolationException, UniqueConstraintViolationException } from '@mikro-orm/core';

/** A unique constraint refused the write (converted by MikroORM or straight from the driver). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof UniqueConstraintViolationException || (error as { code?: unknown } | null)?.code === '23505';
}

/**
 * The database refused what a statement wrote (SQLSTATE classes 22, data exceptions, and 23,
 * integrity constraints): the statement changed nothing, and another statement without the
 * faulty rows would go through. Not a lost connection or a database that is down.
 */
export function isRefusedWrite(error: unknown): boolean {
  if (error instanceof ConstraintViolationException) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

/** Node's socket errors that mean the connection to the database is gone or cannot be made. */
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * The statement failed because the connection to the database failed, not because of what it
 * asked: SQLSTATE class 08 (connection exception), 57P01..57P03 (the server shutting down or
 * cutting the session, not accepting connections yet), a socket error, or the driver's word for
 * a connection that ended. Asking again later, on another connection, may well succeed.
 *
 * "Transaction query already complete" is the ORM's answer to a statement of a transaction whose
 * BEGIN failed (it runs the work anyway): DeployDB's transactions set no options, so only a
 * connection failing refuses their BEGIN.
 */
export function isConnectionLost(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (/^08/.test(code) || /^57P0[123]$/.test(code) || SOCKET_ERRORS.has(code))) return true;
  return typeof message === 'string' && /Connection terminated|encountered a connection error and is not queryable|Transaction query already complete/.test(message);
}
