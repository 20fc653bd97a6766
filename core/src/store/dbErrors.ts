import { UniqueConstraintViolationException } from '@mikro-orm/core';

/** A unique constraint refused the write (converted by MikroORM or straight from the driver). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof UniqueConstraintViolationException || (error as { code?: unknown } | null)?.code === '23505';
}
