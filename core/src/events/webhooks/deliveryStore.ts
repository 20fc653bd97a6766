import Type, { type Static } from 'typebox';
import type { Database, Statement } from '../../store/database.js';
import type { EntityManager } from '@mikro-orm/postgresql';

/*
 * The `webhook_delivery` table, in plain SQL: the dispatcher inserts, the sender claims and
 * records outcomes, the API lists and retries. Every write is one statement, which also keeps
 * `webhook_due` (the pending deliveries and their next attempts, migration m011) in step.
 */

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];

const NullableString = Type.Union([Type.String(), Type.Null()]);

/** A webhook delivery as the API shows it (CONTRACT §5). */
export const DeliverySchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    eventId: Type.String(),
    eventType: Type.String(),
    url: Type.String(),
    status: Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s))),
    attempts: Type.Integer({ minimum: 0, description: 'tries made so far, the first included' }),
    lastStatusCode: Type.Union([Type.Integer(), Type.Null()], { description: "the receiver's HTTP status at the last try; null when it did not answer" }),
    lastError: NullableString,
    createdAt: Type.String({ format: 'date-time', description: 'ISO-8601 UTC' }),
    updatedAt: Type.String({ format: 'date-time', description: 'ISO-8601 UTC' }),
  },
  { $id: 'WebhookDelivery' },
);
export type Delivery = Omit<Static<typeof DeliverySchema>, 'status'> & { status: DeliveryStatus };

/** A delivery to create: one event for one URL. */
export interface NewDelivery {
  eventId: string;
  eventType: string;
  url: string;
  orderKey: string;
  maxAttempts: number;
  event: Record<string, unknown>;
}

/** A delivery the sender holds for the length of its lease. */
export interface ClaimedDelivery {
  id: number;
  eventId: string;
  url: string;
  attempts: number;
  maxAttempts: number;
  event: Record<string, unknown>;
  /** The lease, as the database wrote it: an outcome is recorded only while it still holds. */
  lease: string;
}

/** What became of one claimed delivery. */
export type DeliveryOutcome =
  | { kind: 'delivered'; id: number; lease: string; statusCode: number }
  /** A try that failed: retried after `retryInSeconds`, or failed for good when out of attempts. */
  | { kind: 'attempt_failed'; id: number; lease: string; statusCode: number | null; error: string; retryInSeconds: number }
  /** Failed without a try (its webhook is no longer configured). */
  | { kind: 'abandoned'; id: number; lease: string; error: string }
  /** Not tried (the sender is stopping): back to the pool as it was. */
  | { kind: 'released'; id: number; lease: string };

interface DeliveryRow {
  id: number;
  event_id: string;
  event_type: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const VIEW_COLUMNS = 'id, event_id, event_type, url, status, attempts, last_status_code, last_error, created_at, updated_at';

function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

function viewOf(row: DeliveryRow): Delivery {
  return {
    id: Number(row.id),
    eventId: row.event_id,
    eventType: row.event_type,
    url: row.url,
    status: row.status,
    attempts: Number(row.attempts),
    lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
    lastError: row.last_error,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** Inserts pending deliveries in one statement; an event already recorded for a URL is skipped. Answers how many are new. */
export async function insertDeliveries(db: Database, deliveries: readonly NewDelivery[]): Promise<number> {
  if (deliveries.length === 0) return 0;
  const params: unknown[] = [];
  const values = deliveries.map((d) => {
    params.push(d.eventId, d.eventType, d.url, d.orderKey, d.maxAttempts, JSON.stringify(d.event));
    return `(?, ?, ?, ?, 'pending', ?, ?::jsonb)`;
  });
  const rows = await db.backgroundSql<{ inserted: string }>(
    `with inserted as (
       insert into webhook_delivery (event_id, event_type, url, order_key, status, max_attempts, event)
       values ${values.join(', ')}
       on conflict (event_id, url) do nothing
       returning id, next_attempt_at),
     due as (insert into webhook_due (id, next_attempt_at) select id, next_attempt_at from inserted)
     select count(*)::text as inserted from inserted`,
    params,
  );
  return Number(rows[0]?.inserted ?? 0);
}

/**
 * The claim of `claimDue`. The deliveries are chosen in a sub-select run once (`= any(array(…))`):
 * as `in (…)`, the planner may rescan it for each row of a table it believes small, locking and
 * skipping its way through the whole backlog each time.
 */
export function claimStatement(limit: number, leaseSeconds: number): Statement {
  return {
    sql: `update webhook_delivery d set locked_until = now() + make_interval(secs => ?)
      where d.id = any(array(
        select c.id from webhook_due w join webhook_delivery c on c.id = w.id
         where w.next_attempt_at <= now() and c.status = 'pending'
           and (c.locked_until is null or c.locked_until < now())
           and not exists (
             select 1 from webhook_delivery e
              where e.url = c.url and e.order_key = c.order_key and e.status = 'pending' and e.id < c.id)
         order by w.next_attempt_at
         limit ?
         for update of c skip locked))
      returning d.id, d.event_id, d.url, d.attempts, d.max_attempts, d.event, d.locked_until::text as lease`,
    params: [leaseSeconds, limit],
  };
}

/**
 * Takes up to `limit` due deliveries for `leaseSeconds`. Only the oldest pending delivery of a
 * URL and order key is ever due: a deployment's events reach a receiver in the order they
 * happened, and a later one waits while an earlier one is being retried. `SKIP LOCKED` and the
 * lease let several instances share the work; a lease that runs out (its holder died) frees
 * the delivery for another.
 */
export async function claimDue(db: Database, limit: number, leaseSeconds: number): Promise<ClaimedDelivery[]> {
  const statement = claimStatement(limit, leaseSeconds);
  const rows = await db.backgroundSql<{
    id: number;
    event_id: string;
    url: string;
    attempts: number;
    max_attempts: number;
    event: Record<string, unknown> | string;
    lease: string;
  }>(statement.sql, statement.params);
  return rows
    .map((row) => ({
      id: Number(row.id),
      eventId: row.event_id,
      url: row.url,
      attempts: Number(row.attempts),
      maxAttempts: Number(row.max_attempts),
      event: typeof row.event === 'string' ? (JSON.parse(row.event) as Record<string, unknown>) : row.event,
      lease: row.lease,
    }))
    .sort((a, b) => a.id - b.id);
}

/**
 * Records outcomes in one statement. A delivery whose lease ran out meanwhile (and which
 * another instance may now hold) is left alone: at-least-once, never a lost update.
 */
export async function recordOutcomes(db: Database, outcomes: readonly DeliveryOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  const statement = outcomesStatement(outcomes);
  await db.backgroundSql(statement.sql, statement.params);
}

/** The statement of `recordOutcomes`, for at least one outcome. */
export function outcomesStatement(outcomes: readonly DeliveryOutcome[]): Statement {
  const params: unknown[] = [];
  const values = outcomes.map((o) => {
    switch (o.kind) {
      case 'delivered':
        params.push(o.id, o.lease, 1, 'delivered', o.statusCode, null, null);
        break;
      case 'attempt_failed':
        params.push(o.id, o.lease, 1, null, o.statusCode, o.error, o.retryInSeconds);
        break;
      case 'abandoned':
        params.push(o.id, o.lease, 0, 'failed', null, o.error, null);
        break;
      case 'released':
        params.push(o.id, o.lease, 0, null, null, null, null);
        break;
    }
    return '(?::int, ?::text, ?::int, ?::text, ?::int, ?::text, ?::float8)';
  });
  return {
    sql: `with changed as (
      update webhook_delivery d set
        attempts = d.attempts + v.tried,
        status = coalesce(v.forced, case when v.tried > 0 and d.attempts + v.tried >= d.max_attempts then 'failed' else d.status end),
        last_status_code = case when v.tried > 0 then v.code else d.last_status_code end,
        last_error = case when v.tried > 0 or v.forced is not null then v.error else d.last_error end,
        next_attempt_at = case when v.delay is null then d.next_attempt_at else now() + make_interval(secs => v.delay) end,
        locked_until = null,
        updated_at = case when v.tried > 0 or v.forced is not null then now() else d.updated_at end
       from (values ${values.join(', ')}) as v (id, lease, tried, forced, code, error, delay)
      -- The lease alone says the delivery is still ours, and so pending: only a claim of a pending
      -- delivery sets it, and every outcome clears it. With no status compared, no index over it
      -- can look cheaper to the planner than the key.
      where d.id = v.id and d.locked_until = v.lease::timestamptz
      returning d.id, d.status, d.next_attempt_at, v.delay),
    -- By id arrays, so that each is a probe of the key whatever the planner believes of the table's
    -- size (it may think it empty since its last vacuum, and join by scanning it whole).
    settled as (delete from webhook_due where id = any(array(select id from changed where status <> 'pending')))
    update webhook_due w set next_attempt_at = (select c.next_attempt_at from changed c where c.id = w.id)
     where w.id = any(array(select id from changed where status = 'pending' and delay is not null))`,
    params,
  };
}

/** One page of deliveries in id order, optionally of one status. */
export async function listDeliveries(
  db: Database,
  filter: { status?: DeliveryStatus },
  page: { after: number; limit: number },
): Promise<{ rows: Delivery[]; more: boolean }> {
  const params: unknown[] = [page.after];
  let where = 'id > ?';
  if (filter.status !== undefined) {
    where += ' and status = ?';
    params.push(filter.status);
  }
  params.push(page.limit + 1);
  const rows = await db.em().execute<DeliveryRow[]>(`select ${VIEW_COLUMNS} from webhook_delivery where ${where} order by id limit ?`, params);
  return { rows: rows.slice(0, page.limit).map(viewOf), more: rows.length > page.limit };
}

/** One delivery, or null. */
export async function findDelivery(db: Database, id: number): Promise<Delivery | null> {
  const rows = await db.em().execute<DeliveryRow[]>(`select ${VIEW_COLUMNS} from webhook_delivery where id = ?`, [id]);
  return rows[0] ? viewOf(rows[0]) : null;
}

/**
 * Makes a failed delivery pending again, due now, with `attempts` more tries. Answers the
 * delivery, or null when it is not (or no longer) failed.
 */
export async function requeueFailed(em: EntityManager, id: number, attempts: number): Promise<Delivery | null> {
  const rows = await em.execute<DeliveryRow[]>(
    `with requeued as (
       update webhook_delivery set status = 'pending', max_attempts = attempts + ?, next_attempt_at = now(), locked_until = null, updated_at = now()
        where id = ? and status = 'failed'
        returning ${VIEW_COLUMNS}, next_attempt_at),
     due as (insert into webhook_due (id, next_attempt_at) select id, next_attempt_at from requeued)
     select ${VIEW_COLUMNS} from requeued`,
    [attempts, id],
  );
  return rows[0] ? viewOf(rows[0]) : null;
}
