import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { POSTGRES, servicesAvailable } from '@deploydb/core/testing';
import { pgbench } from '../bench/pgbench.mjs';
import { freshDatabase } from '../bench/support.mjs';

/** pgbench comes with PostgreSQL's client tools; without it these tests are skipped, unless CI requires everything. */
function pgbenchInstalled(): boolean {
  if (spawnSync('pgbench', ['--version']).status === 0) return true;
  if (process.env.DEPLOYDB_REQUIRE_SERVICES === '1') throw new Error('pgbench is not on the PATH, and DEPLOYDB_REQUIRE_SERVICES=1 requires it');
  console.warn('skipping the pgbench tests: pgbench is not on the PATH (install PostgreSQL client tools, e.g. postgresql-client).');
  return false;
}

/** The pgbench figure printed beside each floor: the floor's statement, with its values, run by pgbench. */
describe.runIf((await servicesAvailable(POSTGRES)) && pgbenchInstalled())('pgbench beside the floors', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;

  beforeAll(async () => {
    database = await freshDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('create table seen (kind text not null, n bigint not null, tags text[], at timestamptz)');
    await client.end();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('runs the statement with its values (text, arrays, NULL, a number drawn each time) and answers its rate', async () => {
    const figure = await pgbench(
      database.url,
      { text: 'insert into seen (kind, n, tags, at) values ($1, $2, $3::text[], $4::timestamptz) returning n', values: ['probe', { random: [1, 1000] }, ['a', 'b'], null] },
      { seconds: 1, clients: 2, threads: 1 },
    );
    expect(figure.error).toBeUndefined();
    expect(figure.transactionsPerSecond).toBeGreaterThan(0);
    expect(figure.failed).toBe(0);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query(`select count(*)::int as count, count(distinct n)::int as distinct, bool_and(tags = '{a,b}' and at is null and kind = 'probe') as alike from seen`);
    await client.end();
    expect(rows[0].count).toBeGreaterThan(1);
    expect(rows[0].distinct).toBeGreaterThan(1);
    expect(rows[0].alike).toBe(true);
  });

  it('answers why there is no figure when the statement fails', async () => {
    const figure = await pgbench(database.url, { text: 'select * from missing where id = $1', values: [1] }, { seconds: 1, clients: 1, threads: 1 });
    expect(figure.transactionsPerSecond).toBeNull();
    expect(figure.error).toMatch(/missing/);
  });

  it('refuses a statement in which pgbench would take quoted text for a variable', async () => {
    await expect(pgbench(database.url, { text: `select to_char(now(), 'HH24:MI')`, values: [] }, { seconds: 1 })).rejects.toThrow(/:MI/);
  });
});
