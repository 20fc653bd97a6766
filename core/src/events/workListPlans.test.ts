/**
 * The work lists (`outbox_pending`, `webhook_due`) are vacuumed by DeployDB and keep their empty
 * pages, so after a vacuum that found one empty the planner believes it empty until the next,
 * however long it has grown since; `webhook_delivery` has no statistics at all. Taking work off a
 * list must not depend on what the planner believes: the rows each statement reads, and the pages
 * it touches, stay the same whether 1 000 or 40 000 items wait.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../store/database.js';
import { executedPlan, mostPagesTouched, rowsScanned, type PlanNode } from '../testing/queryPlans.js';
import { databaseModes, openTestDatabase } from '../testing/testDatabases.js';
import { takeFromOutboxStatement } from './queue/embeddedQueue.js';
import { claimStatement, outcomesStatement, type DeliveryOutcome } from './webhooks/deliveryStore.js';

const BATCH = 100;
const SMALL = 1_000;
const LARGE = 40_000;

describe.each(await databaseModes())('taking work off a list the planner believes empty (%s database)', (mode) => {
  let db: Database;
  let destroy: () => Promise<void>;
  let seeded = 0;

  /** `count` more pending deliveries, and as many unpublished events. */
  async function seed(count: number): Promise<void> {
    await db.sql(
      `with made as (
         insert into webhook_delivery (event_id, event_type, url, order_key, status, max_attempts, event, next_attempt_at)
         select 'event-' || n, 'deploydb.test', 'http://receiver.test/' || (n % 20), 'key-' || n, 'pending', 5, '{}', now() - interval '1 minute'
           from generate_series(?::int, ?::int) n
         returning id, next_attempt_at)
       insert into webhook_due (id, next_attempt_at) select id, next_attempt_at from made`,
      [seeded + 1, seeded + count],
    );
    await db.sql(
      `insert into outbox_event (event_id, type, order_key, event, created_at)
       select gen_random_uuid(), 'deploydb.test', 'key-' || n, '{}', now() from generate_series(?::int, ?::int) n`,
      [seeded + 1, seeded + count],
    );
    seeded += count;
  }

  const waiting = async (table: 'webhook_due' | 'outbox_pending') => Number((await db.sql<{ n: string }>(`select count(*)::text as n from ${table}`))[0]!.n);

  type Cost = { pages: number; rows: number };
  const cost = (plan: PlanNode[]): Cost => ({ pages: mostPagesTouched(plan), rows: rowsScanned(plan) });

  /** What a claim, its outcomes and a take from the outbox cost; each takes effect. */
  async function costPerStep(): Promise<{ claim: Cost; outcomes: Cost; take: Cost }> {
    const due = await waiting('webhook_due');
    const pending = await waiting('outbox_pending');

    const claim = cost(await executedPlan(db, claimStatement(BATCH, 60)));
    const claimed = await db.sql<{ id: number; lease: string }>(`select id, locked_until::text as lease from webhook_delivery where status = 'pending' and locked_until is not null`);
    expect(claimed).toHaveLength(BATCH);

    const delivered: DeliveryOutcome[] = claimed.map((c) => ({ kind: 'delivered', id: Number(c.id), lease: c.lease, statusCode: 200 }));
    const outcomes = cost(await executedPlan(db, outcomesStatement(delivered)));
    expect(await waiting('webhook_due')).toBe(due - BATCH);

    const take = cost(await executedPlan(db, takeFromOutboxStatement(BATCH)));
    expect(await waiting('outbox_pending')).toBe(pending - BATCH);
    return { claim, outcomes, take };
  }

  beforeAll(async () => {
    ({ db, destroy } = await openTestDatabase(mode));
    // Both lists once held work, then none, when they were vacuumed.
    await seed(SMALL);
    await db.sql(`update webhook_delivery set status = 'delivered'`);
    await db.sql('delete from webhook_due');
    await db.sql('delete from outbox_pending');
    await db.sql('vacuum webhook_due');
    await db.sql('vacuum outbox_pending');
  }, 60_000);
  afterAll(() => destroy?.());

  it(`reads as many rows and pages with ${LARGE} waiting as with ${SMALL}`, async () => {
    await seed(SMALL);
    const small = await costPerStep();
    await seed(LARGE - SMALL);
    const large = await costPerStep();

    // The premise: the planner still takes both lists for empty.
    const statistics = await db.sql<{ relname: string; reltuples: number; relpages: number }>(
      `select relname, reltuples, relpages from pg_class where relname in ('webhook_due', 'outbox_pending') order by relname`,
    );
    expect(statistics.map((s) => [s.relname, Number(s.reltuples), Number(s.relpages) > 0])).toEqual([
      ['outbox_pending', 0, true],
      ['webhook_due', 0, true],
    ]);

    for (const step of ['claim', 'outcomes', 'take'] as const) {
      const at = `${step}, against ${JSON.stringify(small[step])} with ${SMALL} waiting`;
      expect(large[step].pages, at).toBeLessThanOrEqual(2 * small[step].pages + 50);
      expect(large[step].rows, at).toBeLessThanOrEqual(2 * small[step].rows + 50);
    }
  }, 120_000);
});
