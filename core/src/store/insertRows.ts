import type { EntitySchema } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Inserts rows in one multi-row statement and writes the generated ids back into them. Rows
 * are written as given (no unit of work), which is what the hot paths want.
 */
export async function insertRows<T extends { id: number }>(em: EntityManager, entity: EntitySchema<T>, rows: T[]): Promise<void> {
  if (rows.length === 0) return;
  const data = rows.map(({ id: _id, ...row }) => row) as unknown as T[];
  const ids = rows.length === 1 ? [await em.insert(entity, data[0]!)] : await em.insertMany(entity, data);
  rows.forEach((row, i) => (row.id = Number(ids[i])));
}
