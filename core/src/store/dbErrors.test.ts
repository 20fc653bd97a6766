/**
 * Which failures are a lost connection (answered 503, try again) rather than a fault (500): told
 * from what the driver and the ORM really throw when PostgreSQL cuts a session.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseModes, openTestDatabase } from '../testing/testDatabases.js';
import type { Database } from './database.js';
import { isConnectionLost } from './dbErrors.js';

const onPostgres = (await databaseModes()).includes('postgres');

describe.runIf(onPostgres)('a connection cut by PostgreSQL (PostgreSQL)', () => {
  let db: Database;
  let destroy: () => Promise<void>;
  beforeAll(async () => {
    ({ db, destroy } = await openTestDatabase('postgres'));
  });
  afterAll(() => destroy?.());

  /** Ends a session from another connection, as an operator or a failover would. */
  async function terminate(pid: number): Promise<void> {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query('select pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
  }

  it('between two statements of a transaction: the next statement fails as a lost connection, and nothing it wrote is kept', async () => {
    const failure = await db
      .em()
      .transactional(async (em) => {
        await em.execute(`insert into audit_entry (at, actor, action, target, outcome, detail) values (now(), 'cut', 'trigger', 'x', 200, '{}')`);
        const [{ pid }] = await em.execute<Array<{ pid: number }>>('select pg_backend_pid() as pid');
        await terminate(pid);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await em.execute('select 1');
      })
      .then(
        () => null,
        (error: unknown) => error,
      );

    expect(failure).toBeInstanceOf(Error);
    expect(isConnectionLost(failure), String((failure as Error).message)).toBe(true);
    expect(await db.sql(`select count(*)::int as n from audit_entry where actor = 'cut'`)).toEqual([{ n: 0 }]);
  });

  it('in a transaction whose BEGIN failed: its first statement fails as a lost connection', async () => {
    // The ORM runs a transaction's work even when its BEGIN failed, and the work's first statement
    // then fails with "Transaction query already complete". DeployDB's transactions set no
    // options, so only a failed connection refuses their BEGIN; here an isolation level
    // PostgreSQL does not know refuses it.
    let failure: unknown = null;
    await db
      .em()
      .transactional(
        async (em) => {
          failure = await em.execute('select 1').then(
            () => null,
            (error: unknown) => error,
          );
        },
        { isolationLevel: 'snapshot' as never },
      )
      .catch(() => undefined);
    expect(String((failure as Error | null)?.message)).toMatch(/Transaction query already complete/);
    expect(isConnectionLost(failure)).toBe(true);
  });

  it('during a statement outside a transaction: a lost connection', async () => {
    const failure = await db.sql('select pg_terminate_backend(pg_backend_pid())').then(
      () => null,
      (error: unknown) => error,
    );
    expect(isConnectionLost(failure), String((failure as Error)?.message)).toBe(true);
  });

  it('a statement refused for what it asks is not', async () => {
    const failure = await db.sql('select 1/0').then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(isConnectionLost(failure)).toBe(false);
  });
});
