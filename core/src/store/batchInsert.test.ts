import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { POSTGRES, servicesAvailable } from '../testing/services.js';
import { createTestDatabase, dropTestDatabase } from '../testing/harness.js';
import { silentLogger } from '../testing/silentLogger.js';
import { insertBatches, type SqlRunner } from './batchInsert.js';
import { openDatabase, type Database } from './database.js';
import { creationBatches, type Creation } from './placements.js';

const at = new Date('2024-05-01T12:00:00.000Z');
const creation = (service: string, deploymentId: number): Creation => ({ environment: 'dev', service, deploymentId, createdAt: new Date(at.getTime() + deploymentId) });

/**
 * Upserts of rows that statements running at once share (the placement rows registrations
 * write, from groups of one instance or of several on one database).
 */
describe.runIf(await servicesAvailable(POSTGRES))('upserts of shared rows (PostgreSQL)', () => {
  let url: string;
  let db: Database;

  beforeAll(async () => {
    url = await createTestDatabase();
    db = await openDatabase({ url, dir: '', logger: silentLogger });
    await db.migrate();
  });
  afterAll(async () => {
    await db?.close();
    if (url) await dropTestDatabase(url);
  });
  beforeEach(async () => {
    await db.sql('truncate placement, placement_change');
  });

  it('writes an upsert’s rows in key order whatever order the writes came in', async () => {
    const statements: unknown[][] = [];
    const run: SqlRunner = <T>(statement: string, params: unknown[]) => {
      statements.push(params);
      return db.sql<T>(statement, params);
    };
    const metadata = db.orm.getMetadata();
    await insertBatches(run, metadata, creationBatches([creation('zeta', 1), creation('alpha', 2), creation('mid', 3)]));
    await insertBatches(run, metadata, creationBatches([creation('mid', 4), creation('zeta', 5), creation('alpha', 6)]));

    const placementRows = statements.map((params) => (JSON.parse(params[0] as string) as Array<{ service: string }>).map((r) => r.service));
    expect(placementRows).toEqual([
      ['alpha', 'mid', 'zeta'],
      ['alpha', 'mid', 'zeta'],
    ]);
    const stored = await db.sql<{ service: string; in_flight_id: number }>('select service, in_flight_id from placement order by service');
    expect(stored).toEqual([
      { service: 'alpha', in_flight_id: 6 },
      { service: 'mid', in_flight_id: 4 },
      { service: 'zeta', in_flight_id: 5 },
    ]);
  });

  it('lets two statements upserting the same rows in opposite orders both finish (no deadlock)', async () => {
    const metadata = db.orm.getMetadata();
    await insertBatches(db.sql, metadata, creationBatches([creation('a', 1), creation('b', 2)]));

    // A transaction holds both rows; both statements queue behind it, and start together once it
    // commits. Taking the rows in the order they were given, each would take its first row and
    // wait for the other's: PostgreSQL would fail one with "deadlock detected".
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query(`select 1 from placement where environment = 'dev' and service in ('a', 'b') for update`);
      const forwards = insertBatches(db.sql, metadata, creationBatches([creation('a', 3), creation('b', 4)]));
      const backwards = insertBatches(db.sql, metadata, creationBatches([creation('b', 5), creation('a', 6)]));
      await waitForWaiters(db, 2);
      await holder.query('commit');
      const outcomes = await Promise.allSettled([forwards, backwards]);
      expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'stored'))).toEqual(['stored', 'stored']);
    } finally {
      await holder.end();
    }
    const stored = await db.sql<{ service: string; in_flight_id: number }>('select service, in_flight_id from placement order by service');
    expect(stored).toEqual([
      { service: 'a', in_flight_id: 6 },
      { service: 'b', in_flight_id: 5 },
    ]);
  });
});

/**
 * Waits (bounded) until `count` sessions of the database wait for a lock. Asked outside any
 * transaction: inside one, PostgreSQL answers pg_stat_activity from a snapshot.
 */
async function waitForWaiters(db: Database, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [{ n }] = await db.sql<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
    if (n! >= count) return;
    if (Date.now() > deadline) throw new Error(`${n} sessions wait for a lock, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
