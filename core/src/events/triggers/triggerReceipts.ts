import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TriggerEvent, TriggerResult } from './triggerSchemas.js';

/*
 * The `trigger_receipt` table: one row per (source, id), holding the first outcome. A row is
 * claimed (status null, `claimed_until` set) before its event is applied and settled after,
 * so that concurrent deliveries of one event wait for the first instead of racing it: without
 * the claim, two registrations of one artifact could record the loser's 409 as the outcome.
 * A claim left by a process that died expires, and the next delivery applies the event again.
 * Queried by hand (the table has no entity), every statement on the primary key.
 */

/** How long a claim holds before another delivery may take the event over (seconds). */
export const CLAIM_SECONDS = 30;

/** A receipt's key, for maps. */
export function receiptKey(event: { source: string; id: string }): string {
  return JSON.stringify([event.source, event.id]);
}

/** The statuses already settled for any of these events, by {@link receiptKey}: one query for a whole batch. */
export async function findSettled(em: EntityManager, events: readonly TriggerEvent[]): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const unique = [...new Map(events.map((e) => [receiptKey(e), e])).values()];
  if (unique.length === 0) return found;
  const rows = await em.execute<Array<{ source: string; event_id: string; status: number }>>(
    `select source, event_id, status from trigger_receipt
      where status is not null and (source, event_id) in (${unique.map(() => '(?, ?)').join(', ')})`,
    unique.flatMap((e) => [e.source, e.id]),
  );
  for (const row of rows) found.set(receiptKey({ source: row.source, id: row.event_id }), Number(row.status));
  return found;
}

/** This delivery's hold on an event (`token` tells it from a later takeover), or the status it was settled with. */
export type Claim = { claimed: true; token: string } | { claimed: false; status: number };

/**
 * Claims an event for this delivery, or answers the status it was settled with. While another
 * delivery holds the claim, waits for it to settle or expire (the wait is as long as a
 * command takes, unless that delivery died: then at most {@link CLAIM_SECONDS}).
 */
export async function claimReceipt(em: EntityManager, event: TriggerEvent): Promise<Claim> {
  const token = randomUUID();
  for (let pause = 10; ; pause = Math.min(pause * 2, 250)) {
    const inserted = await em.execute<unknown[]>(
      `insert into trigger_receipt (source, event_id, type, claim_token, claimed_until) values (?, ?, ?, ?, now() + make_interval(secs => ?))
       on conflict (source, event_id) do nothing returning 1 as claimed`,
      [event.source, event.id, event.type, token, CLAIM_SECONDS],
    );
    if (inserted.length > 0) return { claimed: true, token };
    const [row] = await em.execute<Array<{ status: number | null; expired: boolean }>>(
      `select status, claimed_until < now() as expired from trigger_receipt where source = ? and event_id = ?`,
      [event.source, event.id],
    );
    if (!row) continue; // released meanwhile: claim it now
    if (row.status !== null) return { claimed: false, status: Number(row.status) };
    if (row.expired) {
      const taken = await em.execute<unknown[]>(
        `update trigger_receipt set claim_token = ?, claimed_until = now() + make_interval(secs => ?)
          where source = ? and event_id = ? and status is null and claimed_until < now() returning 1 as claimed`,
        [token, CLAIM_SECONDS, event.source, event.id],
      );
      if (taken.length > 0) return { claimed: true, token };
      continue;
    }
    await sleep(pause);
  }
}

/**
 * Settles a claimed event with its outcome, unless another delivery settled it first (one that
 * took over an expired claim). Answers the recorded status and whether it is this one.
 */
export async function settleReceipt(em: EntityManager, event: TriggerEvent, result: TriggerResult): Promise<{ recorded: boolean; status: number }> {
  // An upsert: the claim may have been taken over and released meanwhile.
  const settled = await em.execute<unknown[]>(
    `insert into trigger_receipt (source, event_id, type, status, result) values (?, ?, ?, ?, ?)
     on conflict (source, event_id) do update set status = excluded.status, result = excluded.result, claim_token = null, claimed_until = null
      where trigger_receipt.status is null
     returning 1 as settled`,
    [event.source, event.id, event.type, result.status, JSON.stringify(result)],
  );
  if (settled.length > 0) return { recorded: true, status: result.status };
  const [row] = await em.execute<Array<{ status: number }>>(`select status from trigger_receipt where source = ? and event_id = ?`, [event.source, event.id]);
  return { recorded: false, status: row ? Number(row.status) : result.status };
}

/** Gives up this delivery's claim without an outcome (the event failed unexpectedly), so that a retry applies it. */
export async function releaseClaim(em: EntityManager, event: TriggerEvent, token: string): Promise<void> {
  await em.execute(`delete from trigger_receipt where source = ? and event_id = ? and status is null and claim_token = ?`, [event.source, event.id, token]);
}
