import type { EntitySchema, MetadataStorage } from '@mikro-orm/core';
import { TABLES, type RowOf, type TableName } from './entities.js';

/** Runs one SQL statement with `?` placeholders: a transaction's connection, or the fast pool. */
export type SqlRunner = <T = Record<string, unknown>>(statement: string, params: unknown[]) => Promise<T[]>;

/**
 * Rows written as an upsert: rows with the same `key` are merged into one first (PostgreSQL
 * refuses to update one row twice in a statement), then inserted in key order with `onConflict`;
 * the columns named in `returning` come back from the statement.
 */
export interface Upsert<T extends object = object> {
  key(row: T): string;
  merge(a: T, b: T): T;
  /** What follows `on conflict`, e.g. `(environment, service) do update set ...`. */
  onConflict: string;
  /** Columns to return, e.g. `environment, service`. */
  returning: string;
}

/** Rows for one table; a row's `id` is written when set (pre-allocated), else left to the table's default. */
export interface RowBatch<N extends TableName = TableName> {
  table: N;
  rows: ReadonlyArray<RowOf<N>>;
  upsert?: Upsert<RowOf<N>>;
}

/** A batch of rows for a table, typed by the table. */
export function rowsFor<N extends TableName>(table: N, rows: ReadonlyArray<RowOf<N>>, upsert?: Upsert<RowOf<N>>): RowBatch<N> {
  return upsert ? { table, rows, upsert } : { table, rows };
}

/** What upserts returned, each row tagged with its table. */
export type ReturnedRows = ReadonlyArray<{ table: string; row: Record<string, unknown> }>;

/**
 * Writes rows of several tables in ONE statement (a chain of data-modifying CTEs over
 * `json_to_recordset`), which PostgreSQL applies atomically: a command's inserts cost one
 * round trip whatever their number. Foreign keys between the batches hold, since they are
 * checked at the end of the statement. Columns and their types come from the entities.
 */
export async function insertBatches(run: SqlRunner, metadata: MetadataStorage, batches: readonly RowBatch[]): Promise<ReturnedRows> {
  const parts: string[] = [];
  const params: string[] = [];
  const returning: string[] = [];
  for (const batch of batches) {
    const rows: readonly object[] = batch.upsert ? mergedRows(batch.rows as object[], batch.upsert as Upsert<object>) : batch.rows;
    if (rows.length === 0) continue;
    const shape = shapeOf(metadata, TABLES[batch.table] as unknown as EntitySchema, (rows[0] as { id?: unknown }).id !== undefined);
    const json = rows.map((row) => {
      const record: Record<string, unknown> = {};
      for (const [column, property] of shape.fields) record[column] = (row as Record<string, unknown>)[property];
      return record;
    });
    params.push(JSON.stringify(json));
    const name = `w${parts.length}`;
    if (batch.upsert) {
      parts.push(`${name} as (${shape.insert} on conflict ${batch.upsert.onConflict} returning ${batch.upsert.returning})`);
      returning.push(`select '${shape.table}' as "table", row_to_json(${name}) as row from ${name}`);
    } else {
      parts.push(`${name} as (${shape.insert})`);
    }
  }
  if (parts.length === 0) return [];
  const rows = await run<{ table: string; row: Record<string, unknown> }>(
    `with ${parts.join(',\n')} ${returning.length > 0 ? returning.join(' union all ') : 'select 1'}`,
    params,
  );
  return returning.length > 0 ? rows : [];
}

/**
 * An upsert's rows merged by key, in key order. The order is the order the statement locks the
 * rows in: statements running at once (groups of one instance, or of several instances on one
 * database) that upsert some of the same rows must take them in one order, or each may hold a
 * row the other waits for, and PostgreSQL breaks the deadlock by failing one of them.
 */
function mergedRows<T extends object>(rows: readonly T[], upsert: Upsert<T>): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    const key = upsert.key(row);
    const seen = byKey.get(key);
    byKey.set(key, seen ? upsert.merge(seen, row) : row);
  }
  return [...byKey.keys()].sort().map((key) => byKey.get(key)!);
}

/** How one entity's rows are written: its columns with their row properties, and the INSERT taking them as JSON. */
interface BatchShape {
  table: string;
  fields: Array<[column: string, property: string]>;
  insert: string;
}

const shapes = new WeakMap<EntitySchema, Map<boolean, BatchShape>>();

/** The shape of an entity's batches, worked out once per entity and whether ids are given. */
function shapeOf(metadata: MetadataStorage, entity: EntitySchema, withId: boolean): BatchShape {
  let byId = shapes.get(entity);
  if (!byId) shapes.set(entity, (byId = new Map()));
  let shape = byId.get(withId);
  if (!shape) {
    const meta = metadata.get(entity.meta.className);
    const props = meta.props.filter((p) => p.fieldNames?.length === 1 && p.persist !== false && (withId || !p.autoincrement));
    const columns = props.map((p) => `"${p.fieldNames[0]}"`);
    const types = props.map((p) => `"${p.fieldNames[0]}" ${recordType(p.columnTypes[0]!)}`);
    shape = {
      table: meta.tableName,
      fields: props.map((p) => [p.fieldNames[0]!, p.name]),
      insert:
        `insert into "${meta.tableName}" as "${meta.tableName}" (${columns.join(', ')}) ` +
        `select ${columns.join(', ')} from json_to_recordset(?::json) as x(${types.join(', ')})`,
    };
    byId.set(withId, shape);
  }
  return shape;
}

/** The type a column's values have in a record: a serial is filled by its sequence, but read as an integer. */
function recordType(columnType: string): string {
  if (columnType === 'serial') return 'int';
  if (columnType === 'bigserial') return 'bigint';
  return columnType;
}
