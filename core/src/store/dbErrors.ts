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
