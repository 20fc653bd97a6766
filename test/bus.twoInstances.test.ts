/**
 * Two DeployDB instances on one PostgreSQL database and one NATS stream (CONTRACT §3 "every
 * transition happens once", §5 bus): concurrent reports and approvals through both APIs make each
 * transition once; one instance publishes at a time and every event reaches the stream once by
 * id; when the publishing instance stops, the other takes over.
 *
 * JetStream would hide a second publish of an id inside its duplicate window, so the stream here
 * runs with the shortest window NATS allows (100 ms): a double publish shows as two stream messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase, type TestKernel } from '@deploydb/core/testing';
import manual from '../plugins/promotion-manual/src/index.js';
import natsQueue from '../plugins/queue-nats/src/index.js';
import { LEDGER_CONFIG, TOKENS, startLedger } from './support/fixtures.js';
import { ledgerClient } from './support/client.js';
import { brokerAndPostgresAvailable, ensureBrokerRunning, lockBroker, type Release } from './support/busServers.js';
import {
  TRIGGER_PREFIX,
  deleteNatsStream,
  destroyWithin,
  eventually,
  expectBusMatchesOutbox,
  expectEnvelope,
  natsBusConfig,
  natsBusEvents,
  outboxRows,
  queueYaml,
  readNatsStream,
  typesByDeployment,
  uniqueTag,
  type BusMessage,
} from './support/busReaders.js';

const REPEATS = 10;

describe.runIf(await brokerAndPostgresAvailable('nats'))('two DeployDB instances on one database and one NATS stream', () => {
  const config = natsBusConfig(uniqueTag(), { duplicateWindow: 0.1 });
  const options = {
    config: `${queueYaml('@deploydb/queue-nats', config)}${LEDGER_CONFIG}`,
    plugins: { '@deploydb/promotion-manual': manual, '@deploydb/queue-nats': natsQueue },
  };
  let release: Release | undefined;
  let databaseUrl: string | undefined;
  let first: TestKernel | undefined;
  let second: TestKernel | undefined;
  /** Each instance's connections carry its name, so PostgreSQL can tell which one holds what. */
  const named = (name: string) => `${databaseUrl}${databaseUrl!.includes('?') ? '&' : '?'}application_name=${name}`;

  beforeAll(async () => {
    release = await lockBroker('nats', 'shared');
    await ensureBrokerRunning('nats');
    databaseUrl = await createTestDatabase();
    first = await startLedger('postgres', { ...options, database: { url: named('deploydb-first') } });
    second = await startLedger('postgres', { ...options, database: { url: named('deploydb-second') } });
  }, 180_000);
  afterAll(async () => {
    try {
      await destroyWithin(second, 30_000, false).finally(() => destroyWithin(first, 30_000, false));
    } finally {
      await deleteNatsStream(config.stream).catch(() => undefined);
      if (databaseUrl) await dropTestDatabase(databaseUrl);
      release?.();
    }
  }, 60_000);

  /**
   * The instances holding the publisher's lock (the relay's session advisory lock, the only
   * advisory lock DeployDB takes), by the name their connections carry.
   */
  async function publishers(through: TestKernel): Promise<string[]> {
    const rows = await through.kernel.db.sql<{ name: string }>(
      `select a.application_name as name from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted and l.database = (select oid from pg_database where datname = current_database())`,
    );
    return rows.map((r) => r.name).sort();
  }
  const nameOf = (t: TestKernel) => (t === first ? 'deploydb-first' : 'deploydb-second');

  /** The same request `REPEATS` times through each instance, all at once; every answer must be `expected`. */
  async function everywhere(method: string, path: string, body: unknown, expected: number, who: keyof typeof TOKENS = 'ci'): Promise<any[]> {
    const calls = [first!, second!].flatMap((t) => Array.from({ length: REPEATS }, () => t.request(method, path, body, { token: TOKENS[who] })));
    const answers = await Promise.all(calls);
    for (const answer of answers) expect(answer.status, `${method} ${path} as ${who}: ${JSON.stringify(answer.body)}`).toBe(expected);
    return answers.map((a) => a.body);
  }

  /** Waits (bounded) until every stored event is published and on the stream; returns DeployDB's events on it. */
  async function allOnTheBus(): Promise<BusMessage[]> {
    return eventually(async () => {
      const outbox = await outboxRows(first!);
      expect(outbox.filter((r) => !r.published).map((r) => r.type), 'unpublished').toEqual([]);
      const bus = await natsBusEvents(config);
      const onBus = new Set(bus.map((m) => m.event.id));
      expect(outbox.filter((r) => !onBus.has(r.eventId)).map((r) => r.type), 'not on the bus').toEqual([]);
      return bus;
    }, 30_000, 200);
  }

  /** No two messages of the stream carry one id (header or CloudEvent id). */
  async function expectNoRepeatedStreamMessages(through: TestKernel = first!): Promise<void> {
    const raw = (await readNatsStream(config.stream)).filter((m) => !m.subject.startsWith(`${config.subjectPrefix}${TRIGGER_PREFIX}`));
    const ids = raw.map((m) => m.headers['Nats-Msg-Id'] ?? '');
    expect(ids.filter((id, i) => ids.indexOf(id) !== i), 'stream messages with a repeated Nats-Msg-Id').toEqual([]);
    const eventIds = raw.map((m) => JSON.parse(m.data).id as string);
    expect(eventIds.filter((id, i) => eventIds.indexOf(id) !== i), 'stream messages with a repeated event id').toEqual([]);
    expect(raw.length).toBe((await outboxRows(through)).length);
  }

  it('makes each transition once under concurrent reports and approvals through both, and publishes each event once', async () => {
    const api = ledgerClient(first!);
    const artifacts = await Promise.all([0, 1, 2].map(() => api.register('com.acme:foas')));

    const walked = await Promise.all(
      artifacts.map(async (artifact) => {
        const flowId: number = artifact.flows[0].id;
        const ids: Record<string, number> = {};
        for (const environment of ['dev', 'integ', 'preprod', 'prod']) {
          const deployment = (await api.flow(flowId)).deployments.at(-1);
          expect(deployment.environment).toBe(environment);
          ids[environment] = deployment.id;
          const answers = await everywhere('PATCH', `/api/deployments/${deployment.id}`, { status: 'COMPLETED' }, 200);
          const promoted = environment === 'preprod' || environment === 'prod';
          // Each answer is the state after the one transition: VERIFIED at once without promotions.
          expect(new Set(answers.map((a) => a.status))).toEqual(new Set([promoted ? 'COMPLETED' : 'VERIFIED']));
          if (environment === 'preprod') {
            const approvals = await Promise.all([
              everywhere('POST', `/api/deployments/${deployment.id}/promotions`, { name: 'pair-review', status: 'SUCCESS' }, 201, 'alice'),
              everywhere('POST', `/api/deployments/${deployment.id}/promotions`, { name: 'pair-review', status: 'SUCCESS' }, 201, 'bob'),
            ]);
            expect(approvals.flat().every((a) => a.promotion === 'pair-review')).toBe(true);
          }
          if (environment === 'prod') {
            await everywhere('POST', `/api/deployments/${deployment.id}/promotions`, { name: 'go-live', status: 'SUCCESS' }, 201, 'carol');
          }
          expect((await api.deployment(deployment.id)).status).toBe('VERIFIED');
        }
        expect((await api.flow(flowId)).status).toBe('SUCCESS');
        return { flowId, ids };
      }),
    );

    // One transition each: the outbox holds each deployment's events once.
    const outbox = await outboxRows(first!);
    const stored = typesByDeployment(outbox.map((r) => r.event));
    for (const { ids } of walked) {
      expect(stored[`deployments/${ids.dev}`]).toEqual(['deployment.created', 'deployment.completed', 'deployment.verified']);
      expect(stored[`deployments/${ids.integ}`]).toEqual(['deployment.created', 'deployment.completed', 'deployment.verified']);
      expect(stored[`deployments/${ids.preprod}`]).toEqual(['deployment.created', 'deployment.completed', 'promotion.completed', 'deployment.verified']);
      expect(stored[`deployments/${ids.prod}`]).toEqual(['deployment.created', 'deployment.completed', 'promotion.completed', 'deployment.verified']);
    }
    expect(outbox.filter((r) => r.type === 'deploydb.flow.completed').map((r) => r.event.data.id).sort()).toEqual(walked.map((w) => w.flowId).sort());
    expect(outbox.filter((r) => r.type === 'deploydb.artifact.created')).toHaveLength(3);

    // One instance publishes; every event reaches the stream once.
    expect(await publishers(first!)).toHaveLength(1);
    const bus = await allOnTheBus();
    for (const message of bus) {
      expectEnvelope(message.event);
      expect(message.messageId).toBe(message.event.id);
    }
    const settled = await outboxRows(first!);
    expectBusMatchesOutbox(bus, settled);
    await expectNoRepeatedStreamMessages();
  }, 60_000);

  it('the other instance takes over publishing when the publishing one stops', async () => {
    const [publishing] = await publishers(first!);
    const leader = publishing === nameOf(first!) ? first! : second!;
    const other = leader === first ? second! : first!;
    expect(await publishers(other)).toEqual([nameOf(leader)]);
    await leader.stop();

    const api = ledgerClient(other);
    const artifact = await api.register('com.acme:foas');
    const dev = artifact.flows[0].deployments[0];
    await api.report(dev.id, 'STARTED');
    expect((await api.report(dev.id, 'COMPLETED')).status).toBe('VERIFIED');

    const bus = await eventually(async () => {
      const outbox = await outboxRows(other);
      expect(outbox.filter((r) => !r.published).map((r) => r.type), 'unpublished').toEqual([]);
      const read = await natsBusEvents(config);
      const onBus = new Set(read.map((m) => m.event.id));
      expect(outbox.filter((r) => !onBus.has(r.eventId)).map((r) => r.type), 'not on the bus').toEqual([]);
      return read;
    }, 20_000, 200);
    expect(await publishers(other)).toEqual([nameOf(other)]);
    expectBusMatchesOutbox(bus, await outboxRows(other));
    expect(typesByDeployment(bus.map((m) => m.event))[`deployments/${dev.id}`]).toEqual([
      'deployment.created',
      'deployment.started',
      'deployment.completed',
      'deployment.verified',
    ]);
    await expectNoRepeatedStreamMessages(other);
  }, 60_000);
});
