import type { MetadataStorage } from '@mikro-orm/core';
import { insertBatches, type ReturnedRows, type RowBatch, type SqlRunner } from './batchInsert.js';
import { isRefusedWrite } from './dbErrors.js';

/** The most writes joined into one statement. */
const MAX_GROUP = 64;

interface PendingWrite {
  batches: readonly RowBatch[];
  resolve: (returned: ReturnedRows) => void;
  reject: (error: unknown) => void;
}

/**
 * Joins the row writes of commands that arrive together into one statement: a group commit.
 * Under load many registrations wait for a connection at once; written together they share one
 * round trip, one plan and one commit instead of paying each their own. A quiet server writes
 * each alone, at once (the group is what gathered while the event loop was busy).
 *
 * The group is one statement, so it is all or nothing: should the database refuse it (a unique
 * violation of one of its writes, say), each write is tried again on its own, and only the one at
 * fault fails.
 */
export class InsertGroups {
  private pending: PendingWrite[] = [];

  constructor(
    private readonly run: SqlRunner,
    private readonly metadata: MetadataStorage,
  ) {}

  /**
   * Writes one command's rows, together with whatever other writes gathered meanwhile; answers
   * what the group's upserts returned (every write's: each picks out its own).
   */
  write(batches: readonly RowBatch[]): Promise<ReturnedRows> {
    return new Promise((resolve, reject) => {
      this.pending.push({ batches, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    while (this.pending.length > 0) void this.writeGroup(this.pending.splice(0, MAX_GROUP));
  }

  private async writeGroup(group: PendingWrite[]): Promise<void> {
    try {
      const returned = await insertBatches(this.run, this.metadata, joined(group.map((write) => write.batches)));
      for (const write of group) write.resolve(returned);
    } catch (error) {
      // Only a refused write is worth a retry alone; a lost connection or a database that is down
      // fails the whole group (a write may even have committed before the connection dropped).
      if (group.length === 1 || !isRefusedWrite(error)) {
        for (const write of group) write.reject(error);
        return;
      }
      await Promise.all(group.map((write) => this.writeGroup([write])));
    }
  }
}

/**
 * The rows of several writes as one batch per table (per whether ids are given, and per upsert),
 * in order. An upsert's rows are merged by key when written (batchInsert.ts).
 */
function joined(writes: ReadonlyArray<readonly RowBatch[]>): RowBatch[] {
  const byTable = new Map<string, Map<unknown, { table: RowBatch['table']; rows: object[]; upsert?: RowBatch['upsert'] }>>();
  const order: Array<{ table: RowBatch['table']; rows: object[]; upsert?: RowBatch['upsert'] }> = [];
  for (const batches of writes) {
    for (const batch of batches) {
      if (batch.rows.length === 0) continue;
      const kind = batch.upsert ?? (batch.rows[0] as { id?: unknown }).id !== undefined;
      let shapes = byTable.get(batch.table);
      if (!shapes) byTable.set(batch.table, (shapes = new Map()));
      let target = shapes.get(kind);
      if (!target) {
        shapes.set(kind, (target = { table: batch.table, rows: [], upsert: batch.upsert }));
        order.push(target);
      }
      target.rows.push(...batch.rows);
    }
  }
  return order as RowBatch[];
}
