/**
 * A request whose database connection is cut while it runs (PostgreSQL restarted, a failover, an
 * operator's pg_terminate_backend) is answered 503 `unavailable` with Retry-After, in the
 * contract's error shape: nothing was changed, and the same request asked again goes through.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES, servicesAvailable, type TestKernel } from '@deploydb/core/testing';
import { TOKENS, startLedger } from './support/fixtures.js';
import { ledgerClient } from './support/client.js';

describe.runIf(await servicesAvailable(POSTGRES))('the database connection lost during a request (PostgreSQL)', () => {
  let t: TestKernel;
  beforeAll(async () => {
    t = await startLedger('postgres');
  });
  afterAll(() => t?.destroy());

  async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: t.databaseUrl! });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  it('answers 503 unavailable with Retry-After, changes nothing, and the same report then goes through', async () => {
    const api = ledgerClient(t);
    const { flows } = await api.register();
    const dev = flows[0].deployments[0];

    // Hold the deployment's row, so the report waits for it inside its transaction; then cut
    // the report's connection while it waits.
    const holder = new pg.Client({ connectionString: t.databaseUrl! });
    await holder.connect();
    let answer: Awaited<ReturnType<TestKernel['request']>>;
    try {
      await holder.query('begin');
      await holder.query('select id from deployment where id = $1 for update', [dev.id]);
      const report = t.request('PATCH', `/api/deployments/${dev.id}`, { status: 'COMPLETED' }, { token: TOKENS.ci });
      const cut = await withClient(async (client) => {
        const deadline = Date.now() + 10_000;
        for (;;) {
          const { rows } = await client.query(
            `select pg_terminate_backend(pid) as cut from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> $1`,
            [(holder as unknown as { processID: number }).processID],
          );
          if (rows.length > 0) return rows.length;
          if (Date.now() > deadline) throw new Error('the report never waited for the row');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      });
      expect(cut).toBe(1);
      answer = await report;
    } finally {
      await holder.query('rollback').catch(() => undefined);
      await holder.end();
    }

    expect(answer.status, JSON.stringify(answer.body)).toBe(503);
    expect(answer.body).toEqual({ error: { code: 'unavailable', message: expect.any(String), details: [] } });
    expect(answer.headers.get('retry-after')).toBe('1');
    expect((await api.deployment(dev.id)).status).toBe('CREATED');

    const again = await t.request('PATCH', `/api/deployments/${dev.id}`, { status: 'COMPLETED' }, { token: TOKENS.ci });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('VERIFIED');
  });
});
