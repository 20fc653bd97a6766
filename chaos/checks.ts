/**
 * What a chaos run must show once DeployDB is quiet (CONTRACT §3 "every transition happens once",
 * §5 "no event is lost"), each check counting what it found rather than stopping at the first:
 *
 * - stored: every registration answered 201 (and every trigger registration `applied`) is in
 *   the ledger;
 * - once: no event id twice in the outbox; per deployment no event type twice, and exactly the
 *   events its status times call for; one `artifact.created` per artifact, one `flow.completed`
 *   per finished flow and none for the others, one `promotion.completed` per decided promotion
 *   result; per flow one deployment per stage;
 * - bus: every stored event on the bus, nothing there DeployDB did not store, repeats by id counted;
 *   each deployment's events in the order they happened;
 * - webhooks: every stored event received by id, nothing else; one delivery row per event, all
 *   delivered; repeats on the wire counted (at least once is the promise there);
 * - placements: the projection of what runs where equals a full scan (test/support/placementOracle.ts).
 */
import pg from 'pg';
import { outboxRowsAt, TRIGGER_PREFIX, type BusMessage, type OutboxRow } from '../test/support/busReaders.js';
import { expectProjectionMatchesScan, scanDeployments, type SqlRows } from '../test/support/placementOracle.js';
import { TOKENS } from '../test/support/fixtures.js';
import type { LoadFigures } from './load.js';
import type { WebhookReceiver } from './webhookReceiver.js';

export interface CheckResults {
  events: number;
  /** Things that should exist and do not: registrations, events for transitions, events on the bus, webhooks received. */
  lost: { registrations: number; transitionEvents: number; onBus: number; webhooks: number };
  /** Things that happened more than once and must not have. */
  doubled: { eventIds: number; transitionEvents: number; flowStages: number; webhookDeliveryRows: number; webhooksById: number };
  busDuplicatesById: number;
  /** Bus messages DeployDB did not store (another writer on our stream would be a bug of the run). */
  busForeign: number;
  busOutOfOrder: number;
  webhookWireDuplicates: number;
  webhooksForeign: number;
  deliveriesNotDelivered: number;
  placementChecks: number;
  /** One line per failed check, with examples. */
  problems: string[];
}

const PLACEMENT_PAIRS = [
  { service: 'faas', environments: ['dev', 'integ', 'preprod', 'prod'] },
  { service: 'billing', environments: ['dev', 'integ', 'preprod', 'prod'] },
];

export async function checkRun({ databaseUrl, apiUrl, load, bus, receiver }: { databaseUrl: string; apiUrl: string; load: LoadFigures; bus: BusMessage[]; receiver: WebhookReceiver }): Promise<CheckResults> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const rows: SqlRows = async (sql) => (await client.query(sql)).rows;
  const problems: string[] = [];
  const report = (count: number, what: string, examples: unknown[]) => {
    if (count > 0) problems.push(`${count} ${what}, e.g. ${JSON.stringify(examples.slice(0, 5))}`);
    return count;
  };
  try {
    const outbox = await outboxRowsAt(databaseUrl);
    const byId = groupBy(outbox, (r) => r.eventId);
    const eventIds = [...byId.keys()];

    // Stored
    const artifacts = await rows(`select id, artifact_group as "group", name, version from artifact`);
    const artifactIds = new Set(artifacts.map((a) => Number(a.id)));
    const missingRegistrations = load.registered.filter((id) => !artifactIds.has(id));
    const coordinates = new Set(artifacts.map((a) => `${a.group}:${a.name}:${a.version}`));
    const missingTriggered = load.registeredByTrigger.filter((a) => !coordinates.has(`${a.group}:${a.name}:${a.version}`));
    const lostRegistrations = report(missingRegistrations.length + missingTriggered.length, 'registrations answered 201/applied but not stored', [...missingRegistrations, ...missingTriggered]);

    // Once, in the ledger
    const repeatedIds = [...byId].filter(([, r]) => r.length > 1).map(([id]) => id);
    const doubledEventIds = report(repeatedIds.length, 'event ids stored twice', repeatedIds);
    const deployments = await scanDeployments(rows);
    const typesOf = groupBy(
      outbox.filter((r) => r.event.subject.startsWith('deployments/') && r.type.startsWith('deploydb.deployment.')),
      (r) => Number(r.event.data.id),
    );
    const doubledTypes: string[] = [];
    const missingTypes: string[] = [];
    for (const d of deployments) {
      const stored = (typesOf.get(d.id) ?? []).map((r) => r.type.slice('deploydb.deployment.'.length));
      const expected = ['created', d.startedAt !== null && 'started', d.completedAt !== null && 'completed', d.verifiedAt !== null && 'verified', d.failedAt !== null && 'failed'].filter(Boolean) as string[];
      for (const type of new Set(stored)) if (stored.filter((t) => t === type).length > 1) doubledTypes.push(`deployments/${d.id} ${type}`);
      for (const type of expected) if (!stored.includes(type)) missingTypes.push(`deployments/${d.id} ${type}`);
      for (const type of stored) if (!expected.includes(type)) doubledTypes.push(`deployments/${d.id} ${type} without the status`);
    }
    const oncePer = async (type: string, key: (r: OutboxRow) => number, sql: string, what: string) => {
      const expected = new Set((await rows(sql)).map((r) => Number(r.id)));
      const counts = countBy(outbox.filter((r) => r.type === type), key);
      for (const [id, count] of counts) if (count > 1 || !expected.has(id)) doubledTypes.push(`${what} ${id} ${type} x${count}`);
      for (const id of expected) if (!counts.has(id)) missingTypes.push(`${what} ${id} ${type}`);
    };
    await oncePer('deploydb.artifact.created', (r) => Number(r.event.data.id), `select id from artifact`, 'artifacts/');
    await oncePer('deploydb.flow.completed', (r) => Number(r.event.data.id), `select id from flow where status in ('SUCCESS', 'FAILED')`, 'flows/');
    await oncePer('deploydb.promotion.completed', (r) => Number(r.event.data.promotionResult.id), `select id from promotion_result where status in ('SUCCESS', 'FAILED')`, 'promotion results/');
    const doubledTransitions = report(doubledTypes.length, 'transitions with their event more than once (or an event without its transition)', doubledTypes);
    const lostTransitions = report(missingTypes.length, 'transitions without their event', missingTypes);
    const stages = await rows(`select flow_id, stage, count(*)::int as n from deployment group by flow_id, stage having count(*) > 1
                               union all select flow_id, -1, count(*)::int from deployment d group by flow_id, environment having count(*) > 1`);
    const doubledStages = report(stages.length, 'flows with a stage or an environment deployed twice', stages);

    // The bus
    const events = bus.filter((m) => !m.type.startsWith(TRIGGER_PREFIX));
    const seen = countBy(events, (m) => m.event.id);
    const notOnBus = eventIds.filter((id) => !seen.has(id));
    const lostOnBus = report(notOnBus.length, 'stored events not on the bus', notOnBus);
    const foreign = [...seen.keys()].filter((id) => !byId.has(id));
    report(foreign.length, 'bus messages DeployDB never stored', foreign);
    const busDuplicatesById = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
    const wrongIds = events.filter((m) => m.messageId !== undefined && m.messageId !== m.event.id);
    report(wrongIds.length, 'bus messages whose message id is not their event id', wrongIds.map((m) => m.messageId));
    const outOfOrder = deploymentsOutOfOrder(outbox, events);
    report(outOfOrder.length, "deployments whose events reached the bus out of order", outOfOrder);

    // Webhooks
    const notReceived = eventIds.filter((id) => !receiver.accepted.has(id));
    const lostWebhooks = report(notReceived.length, 'stored events never received by the webhook', notReceived);
    const foreignWebhooks = [...receiver.accepted.keys()].filter((id) => !byId.has(id));
    report(foreignWebhooks.length, 'webhooks received for no stored event', foreignWebhooks);
    const webhookWireDuplicates = [...receiver.accepted.values()].reduce((sum, n) => sum + n - 1, 0);
    const deliveryRows = await rows(`select event_id, count(*)::int as n, string_agg(status, ',') as statuses from webhook_delivery group by event_id`);
    const doubledRows = report(deliveryRows.filter((r) => r.n > 1).length, 'events with more than one delivery row', deliveryRows.filter((r) => r.n > 1));
    const undelivered = deliveryRows.filter((r) => r.statuses !== 'delivered');
    report(undelivered.length, 'deliveries not delivered', undelivered);

    // Placements
    let placementChecks = 0;
    const api = {
      get: async (path: string) => {
        const response = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${TOKENS.reader}` }, signal: AbortSignal.timeout(20_000) });
        const body = await response.json();
        if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${JSON.stringify(body)}`);
        return body;
      },
    };
    try {
      placementChecks = await expectProjectionMatchesScan(rows, api, PLACEMENT_PAIRS, Date.now());
    } catch (error) {
      problems.push(`the placement projection differs from the full scan: ${String(error).slice(0, 2000)}`);
    }

    return {
      events: outbox.length,
      lost: { registrations: lostRegistrations, transitionEvents: lostTransitions, onBus: lostOnBus, webhooks: lostWebhooks },
      doubled: { eventIds: doubledEventIds, transitionEvents: doubledTransitions, flowStages: doubledStages, webhookDeliveryRows: doubledRows, webhooksById: foreignWebhooks.length },
      busDuplicatesById,
      busForeign: foreign.length,
      busOutOfOrder: outOfOrder.length,
      webhookWireDuplicates,
      webhooksForeign: foreignWebhooks.length,
      deliveriesNotDelivered: undelivered.length,
      placementChecks,
      problems,
    };
  } finally {
    await client.end();
  }
}

/** Deployments whose events' first appearances on the bus are not in the outbox's order. */
function deploymentsOutOfOrder(outbox: OutboxRow[], bus: BusMessage[]): string[] {
  const stored = groupBy(outbox, (r) => r.orderKey);
  const firstSeen = new Set<string>();
  const arrived = new Map<string, string[]>();
  const keyOf = new Map(outbox.map((r) => [r.eventId, r.orderKey]));
  for (const m of bus) {
    if (firstSeen.has(m.event.id)) continue;
    firstSeen.add(m.event.id);
    const key = keyOf.get(m.event.id);
    if (key === undefined) continue;
    (arrived.get(key) ?? arrived.set(key, []).get(key)!).push(m.event.id);
  }
  const wrong: string[] = [];
  for (const [key, rows] of stored) {
    const expected = rows.map((r) => r.eventId).filter((id) => firstSeen.has(id));
    if (JSON.stringify(arrived.get(key) ?? []) !== JSON.stringify(expected)) wrong.push(key);
  }
  return wrong;
}

function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(item);
  }
  return groups;
}

function countBy<T, K>(items: T[], key: (item: T) => K): Map<K, number> {
  const counts = new Map<K, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
