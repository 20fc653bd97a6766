import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKernel } from '@deploydb/core/testing';
import { ledgerClient, outboxEvents } from './support/client.js';
import { TOKENS, databaseModes, startLedger } from './support/fixtures.js';
import { openStream, type SseClient } from './support/sseClient.js';

const modes = await databaseModes();
const reader = TOKENS.reader;

/** Opens a stream as the reader; the server answers its headers once the client is among its subscribers. */
async function connect(t: TestKernel, options: { query?: string; lastEventId?: string } = {}): Promise<SseClient> {
  const client = await openStream(t.url!, { token: reader, ...options });
  expect(client.status).toBe(200);
  return client;
}

/** Registers an artifact and reports its dev deployment COMPLETED: a handful of events of several kinds. */
async function makeEvents(t: TestKernel, module = 'com.acme:foas') {
  const api = ledgerClient(t);
  const registered = await api.register(module);
  for (const flow of registered.flows) await api.report(flow.deployments[0].id, 'COMPLETED');
  return registered;
}

/** Event ids stored after the one given (all of them without it), in outbox order. */
async function storedAfter(t: TestKernel, lastId?: string): Promise<string[]> {
  const ids = (await outboxEvents(t)).map((e) => e.id);
  return lastId ? ids.slice(ids.indexOf(lastId) + 1) : ids;
}

describe.each(modes)('GET /api/events/stream (%s database)', (mode) => {
  let t: TestKernel;
  beforeAll(async () => {
    t = await startLedger(mode, { eventStream: { heartbeatMs: 300, lingerMs: 0 } });
  });
  afterAll(() => t?.destroy());

  it('sends every event to each of 20 clients once and in order, as id, event type and CloudEvent data', async () => {
    const start = (await outboxEvents(t)).length;
    const clients = await Promise.all(Array.from({ length: 20 }, () => connect(t)));
    await makeEvents(t);
    await makeEvents(t, 'com.acme:billing');
    const stored = (await outboxEvents(t)).slice(start);
    expect(stored.length).toBeGreaterThanOrEqual(8);
    for (const client of clients) {
      const events = await client.waitFor(stored.length);
      expect(events.map((e) => e.id)).toEqual(stored.map((e) => e.id));
      expect(events.map((e) => e.event)).toEqual(stored.map((e) => e.type));
      expect(events.map((e) => e.data)).toEqual(stored);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const client of clients) {
      expect(client.events.length, 'no event twice').toBe(stored.length);
      client.close();
    }
    await expect.poll(() => t.kernel.eventStream.clientCount, { timeout: 5_000 }).toBe(0);
  });

  it('keeps only the types asked for, the environment asked for, the service asked for', async () => {
    const byType = await connect(t, { query: 'types=deployment.verified,flow.*,artifact.created' });
    const byEnvironment = await connect(t, { query: 'environment=integ' });
    const byService = await connect(t, { query: 'service=billing' });
    const everything = await connect(t);
    const start = (await outboxEvents(t)).length;
    await makeEvents(t);
    await makeEvents(t, 'com.acme:billing');
    const stored = (await outboxEvents(t)).slice(start);
    await everything.waitFor(stored.length);

    const expected = {
      byType: stored.filter((e) => ['deploydb.deployment.verified', 'deploydb.artifact.created'].includes(e.type) || e.type.startsWith('deploydb.flow.')),
      byEnvironment: stored.filter((e) => e.type.startsWith('deploydb.deployment.') && e.data.environment === 'integ'),
      byService: stored.filter((e) => e.type.startsWith('deploydb.deployment.') && e.data.service === 'billing'),
    };
    expect(expected.byType.length).toBeGreaterThan(0);
    expect(expected.byEnvironment.length).toBeGreaterThan(0);
    expect(expected.byService.length).toBeGreaterThan(0);
    expect(expected.byService.length).toBeLessThan(stored.length);
    for (const [client, want] of [
      [byType, expected.byType],
      [byEnvironment, expected.byEnvironment],
      [byService, expected.byService],
    ] as const) {
      await client.waitFor(want.length);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(client.events.map((e) => e.id)).toEqual(want.map((e) => e.id));
      client.close();
    }
    everything.close();
  });

  it('resumes with Last-Event-ID: exactly the events missed while away, then live ones', async () => {
    const first = await connect(t);
    const start = (await outboxEvents(t)).length;
    await makeEvents(t);
    await first.waitFor((await outboxEvents(t)).length - start);
    const lastSeen = first.events.at(-1)!.id!;
    first.close();
    await expect.poll(() => t.kernel.eventStream.clientCount).toBe(0);

    await makeEvents(t);
    await makeEvents(t, 'com.acme:billing');
    const missed = await storedAfter(t, lastSeen);
    expect(missed.length).toBeGreaterThanOrEqual(6);

    const again = await connect(t, { lastEventId: lastSeen });
    await again.waitFor(missed.length);
    expect(again.events.map((e) => e.id)).toEqual(missed);
    await makeEvents(t);
    const all = await storedAfter(t, lastSeen);
    await again.waitFor(all.length);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(again.events.map((e) => e.id)).toEqual(all);
    again.close();
  });

  it('answers a Last-Event-ID that names no retained event with live events only, and says so', async () => {
    const client = await connect(t, { lastEventId: randomUUID() });
    await client.waitForComment('not retained');
    const start = (await outboxEvents(t)).length;
    await makeEvents(t);
    const stored = (await outboxEvents(t)).slice(start);
    await client.waitFor(stored.length);
    expect(client.events.map((e) => e.id)).toEqual(stored.map((e) => e.id));
    client.close();
  });

  it('sends a keep-alive comment at the configured interval', async () => {
    const client = await connect(t);
    await client.waitForComment('keep-alive', 3_000);
    expect(client.events).toEqual([]);
    client.close();
  });

  it('refuses bad filters and a Last-Event-ID that is not an event id with 400, and a missing token with 401', async () => {
    const bad = await t.request('GET', '/api/events/stream?types=deployment.%3Cx%3E', undefined, { token: reader });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('bad_request');
    const unknown = await t.request('GET', '/api/events/stream?since=1', undefined, { token: reader });
    expect(unknown.status).toBe(400);
    const badId = await t.request('GET', '/api/events/stream', undefined, { token: reader, headers: { 'last-event-id': 'not-an-id' } });
    expect(badId.status).toBe(400);
    expect(badId.body.error.details[0].path).toBe('/headers/last-event-id');
    expect((await t.request('GET', '/api/events/stream')).status).toBe(401);
  });

  it('is described in /openapi.json as text/event-stream', async () => {
    const doc = (await t.request('GET', '/openapi.json')).body;
    const operation = doc.paths['/api/events/stream'].get;
    expect(Object.keys(operation.responses['200'].content)).toEqual(['text/event-stream']);
    expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual(['types', 'environment', 'service']);
  });
});

describe.runIf(modes.includes('postgres'))('the event stream over one PostgreSQL database', () => {
  let a: TestKernel;
  let b: TestKernel;
  beforeAll(async () => {
    a = await startLedger('postgres', { eventStream: { lingerMs: 0 } });
    b = await startLedger('postgres', { reuse: a });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.destroy();
  });

  it('brings an event stored by another instance to this instance\'s clients', async () => {
    const client = await connect(a);
    const registered = await ledgerClient(b).register();
    const [event] = await client.waitFor(1);
    expect(event).toMatchObject({ event: 'deploydb.artifact.created', data: { data: { id: registered.id } } });
    client.close();
  });

  it('does not skip an event whose transaction commits after events with higher ids, and sends it once', async () => {
    const client = await connect(a);
    const held = new pg.Client({ connectionString: a.databaseUrl! });
    await held.connect();
    try {
      const lateEvent = { specversion: '1.0', id: randomUUID(), source: 'deploydb', type: 'deploydb.artifact.created', time: new Date().toISOString(), subject: 'artifacts/0', datacontenttype: 'application/json', data: { held: true } };
      await held.query('begin');
      const { rows } = await held.query(
        `insert into outbox_event (event_id, type, order_key, event, created_at) values ($1, $2, 'held', $3, now()) returning id`,
        [lateEvent.id, lateEvent.type, JSON.stringify(lateEvent)],
      );
      const heldId = Number(rows[0].id);

      const start = (await outboxEvents(a)).length;
      await makeEvents(a);
      const committed = (await outboxEvents(a)).slice(start);
      expect(Number.isInteger(heldId)).toBe(true);
      await client.waitFor(committed.length);
      expect(client.events.map((e) => e.id)).toEqual(committed.map((e) => e.id));

      await held.query('commit');
      const events = await client.waitFor(committed.length + 1);
      expect(events.at(-1)!.id).toBe(lateEvent.id);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(client.events.filter((e) => e.id === lateEvent.id)).toHaveLength(1);

      // A client that saw the late event resumes after it: only what came after, nothing twice.
      const lastSeen = client.events.at(-1)!.id!;
      client.close();
      await makeEvents(a);
      const after = await storedAfter(a, committed.at(-1)!.id);
      const resumed = await connect(a, { lastEventId: lastSeen });
      const expected = after.filter((id) => id !== lateEvent.id);
      await resumed.waitFor(expected.length);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(resumed.events.map((e) => e.id)).toEqual(expected);
      resumed.close();
    } finally {
      await held.end();
    }
  });
});

describe('the event stream when the kernel stops', () => {
  it('ends open streams with a last comment, promptly', async () => {
    const t = await startLedger('embedded');
    try {
      const client = await connect(t);
      const started = Date.now();
      await t.stop();
      expect(Date.now() - started).toBeLessThan(5_000);
      await client.ended;
      expect(client.comments).toContain('the server is stopping');
    } finally {
      await t.destroy();
    }
  });
});
