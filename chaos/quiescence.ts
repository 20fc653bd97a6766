/**
 * Waiting, after the load, until DeployDB has nothing left to do: every stored event published,
 * a webhook delivery for each and none still pending, and the receiver holding them all.
 */
import pg from 'pg';
import type { WebhookReceiver } from './webhookReceiver.js';

export interface Backlog {
  events: number;
  unpublished: number;
  deliveries: number;
  pendingDeliveries: number;
  notReceived: number;
}

export async function backlogOf(databaseUrl: string, receiver: WebhookReceiver): Promise<Backlog> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: outbox } = await client.query(`select count(*)::int as events, (select count(*)::int from outbox_pending) as unpublished from outbox_event`);
    const { rows: deliveries } = await client.query(`select count(*)::int as deliveries, count(*) filter (where status = 'pending')::int as pending from webhook_delivery`);
    const { rows: ids } = await client.query(`select event_id::text as id from outbox_event`);
    return {
      events: outbox[0].events,
      unpublished: outbox[0].unpublished,
      deliveries: deliveries[0].deliveries,
      pendingDeliveries: deliveries[0].pending,
      notReceived: ids.filter((r: { id: string }) => !receiver.accepted.has(r.id)).length,
    };
  } finally {
    await client.end();
  }
}

/** Polls until the backlog is empty or `timeoutMs` passed; answers the last backlog and the seconds waited. */
export async function waitForQuiescence(databaseUrl: string, receiver: WebhookReceiver, timeoutMs: number): Promise<{ backlog: Backlog; seconds: number; quiet: boolean }> {
  const began = Date.now();
  for (;;) {
    const backlog = await backlogOf(databaseUrl, receiver);
    const quiet = backlog.unpublished === 0 && backlog.pendingDeliveries === 0 && backlog.deliveries >= backlog.events && backlog.notReceived === 0;
    if (quiet || Date.now() - began > timeoutMs) return { backlog, seconds: (Date.now() - began) / 1000, quiet };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
