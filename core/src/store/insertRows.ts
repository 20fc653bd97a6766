import type { EntitySchema } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Inserts rows in one multi-row statement and writes the generated ids back into them. Rows
 * are written as given (no unit of work), which is what the hot paths want. (`em.insertMany`
 * answers only the first id on PostgreSQL, hence the query builder.)
 */
export async function insertRows<T extends { id: number }>(em: EntityManager, entity: EntitySchema<T>, rows: T[]): Promise<void> {
  if (rows.length === 0) return;
  const data = rows.map(({ id: _id, ...row }) => row) as unknown as T[];
  const result = await em.createQueryBuilder(entity).insert(data).execute('run');
  const ids = (result as { rows?: Array<Record<string, unknown>> }).rows ?? [];
  if (ids.length !== rows.length) throw new Error(`insert into ${entity.meta.tableName} returned ${ids.length} ids for ${rows.length} rows`);
  rows.forEach((row, i) => (row.id = Number(ids[i]!.id)));
}
