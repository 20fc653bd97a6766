import type { SqlRunner } from './batchInsert.js';

/**
 * Ids taken from the tables' sequences in blocks and handed out from memory, so that a command
 * can build its rows (and the events that name them) before writing them in one statement,
 * without a round trip for ids. Unused ids of a block are lost at shutdown: ids have gaps, as
 * sequence ids always may, and stay unique and ascending within an instance.
 */
export class IdBlocks {
  private readonly free = new Map<string, number[]>();
  /** Refills in progress, per runner: a refill on one connection is never awaited from another. */
  private readonly refills = new WeakMap<SqlRunner, Map<string, Promise<void>>>();

  constructor(private readonly blockSize = 256) {}

  /**
   * `count` ids for each table named; a refill runs through `run` (the caller's connection: on the
   * single-connection embedded database, another connection would wait for the caller's transaction).
   */
  async take<K extends string>(run: SqlRunner, counts: Record<K, number>): Promise<Record<K, number[]>> {
    const tables = Object.keys(counts) as K[];
    for (;;) {
      const short = tables.filter((table) => counts[table] > (this.free.get(table)?.length ?? 0));
      if (short.length === 0) break;
      await Promise.all(short.map((table) => this.refill(run, table, counts[table])));
    }
    return Object.fromEntries(tables.map((table) => [table, this.free.get(table)?.splice(0, counts[table]) ?? []])) as Record<K, number[]>;
  }

  private refill(run: SqlRunner, table: string, atLeast: number): Promise<void> {
    let refills = this.refills.get(run);
    if (!refills) this.refills.set(run, (refills = new Map()));
    let pending = refills.get(table);
    if (!pending) {
      pending = run<{ id: string | number }>(
        `select nextval(pg_get_serial_sequence(?::text, 'id')) as id from generate_series(1, ?::int)`,
        [table, Math.max(this.blockSize, atLeast)],
      )
        .then((rows) => {
          const list = this.free.get(table) ?? [];
          list.push(...rows.map((r) => Number(r.id)));
          this.free.set(table, list);
        })
        .finally(() => refills.delete(table));
      refills.set(table, pending);
    }
    return pending;
  }
}
