import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Redis } from 'ioredis';
import { NATS, REDIS, serviceUrls, servicesAvailable, silentLogger, type TestKernel, type TestResponse } from '@deploydb/core/testing';
import manual from '../plugins/promotion-manual/src/index.js';
import natsQueue from '../plugins/queue-nats/src/index.js';
import redisQueue from '../plugins/queue-redis/src/index.js';
import { TriggerService, type TriggerCommands } from '../core/src/events/triggers/triggerService.js';
import { TriggerConsumer } from '../core/src/events/triggers/triggerConsumer.js';
import { LEDGER_CONFIG, TOKENS, databaseModes, newArtifact, startLedger } from './support/fixtures.js';
import { apiOf, expectError, expectInvalid, type Api, type Who } from './support/apiHelpers.js';
import { outboxEvents } from './support/client.js';

const SOURCE = 'https://jenkins.acme.test/job/deploy';
let sequence = 0;

/** A trigger CloudEvent with a fresh id. */
function trigger(type: string, data: unknown, attributes: Record<string, unknown> = {}) {
  sequence += 1;
  return { specversion: '1.0', id: `evt-${Date.now()}-${sequence}`, source: SOURCE, type: `deploydb.trigger.${type}`, data, ...attributes };
}

type Coordinates = { group: string; name: string; version: string };
const coordinatesOf = ({ group, name, version }: Coordinates): Coordinates => ({ group, name, version });
/** `data` addressing the deployment of `artifact` in `environment`. */
const at = (artifact: Coordinates, environment: string, extra: Record<string, unknown> = {}) => ({
  service: 'faas',
  environment,
  artifact: coordinatesOf(artifact),
  ...extra,
});

describe.each(await databaseModes())('inbound triggers (%s database)', (mode) => {
  let t: TestKernel;
  let api: Api;
  let service: TriggerService;
  let consumer: TriggerConsumer;

  beforeAll(async () => {
    t = await startLedger(mode);
    api = apiOf(t);
    service = new TriggerService({ ledger: t.kernel.ledger, db: t.kernel.db });
    consumer = new TriggerConsumer({ queue: t.kernel.queue, service, logger: silentLogger });
    await consumer.start();
  });
  afterAll(async () => {
    await consumer?.stop();
    await t?.destroy();
  });

  /** POST /api/triggers as `who`, with a content type. */
  const post = async (body: unknown, who: Who | null = 'ci', contentType = 'application/json'): Promise<TestResponse> => {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (who) headers.authorization = `Bearer ${TOKENS[who]}`;
    return t.request('POST', '/api/triggers', body, { headers });
  };
  /** Posts and expects 202; returns the results. */
  const send = async (body: unknown, who: Who = 'ci', contentType?: string) => {
    const response = await post(body, who, contentType);
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    expect(Object.keys(response.body)).toEqual(['results']);
    return response.body.results as Array<{ id: string; outcome: string; status: number; error?: { code: string; message: string; details: unknown[] } }>;
  };
  const deploymentsOf = async (artifactId: number) => (await api.get(`/api/deployments?artifact=${artifactId}`)).items as any[];
  const deployment = (id: number) => api.get(`/api/deployments/${id}`);
  const artifactByVersion = async (version: string) => (await api.get(`/api/artifacts?q=${encodeURIComponent(version)}`)).items as any[];
  const eventsOf = async (deploymentId: number) =>
    (await outboxEvents(t)).filter((e) => e.subject === `deployments/${deploymentId}`).map((e) => e.type.replace('deploydb.deployment.', ''));

  it('applies every trigger type, addressed by names', async () => {
    const input = newArtifact('com.acme:foas');
    const [registered] = await send(trigger('artifact.available', input));
    expect(registered).toEqual({ id: expect.any(String), outcome: 'applied', status: 201 });
    const [artifact] = await artifactByVersion(input.version);
    expect(artifact).toMatchObject(input);

    let [dev] = await deploymentsOf(artifact.id);
    expect(dev).toMatchObject({ environment: 'dev', status: 'CREATED' });
    expect(await send(trigger('deployment.started', at(input, 'dev')))).toMatchObject([{ outcome: 'applied', status: 200 }]);
    expect((await deployment(dev.id)).status).toBe('STARTED');
    expect(await send(trigger('deployment.completed', at(input, 'dev')))).toMatchObject([{ outcome: 'applied', status: 200 }]);
    expect((await deployment(dev.id)).status).toBe('VERIFIED');

    // A batch runs in order: integ completes, which creates preprod, which then completes too.
    const batch = await send([trigger('deployment.completed', at(input, 'integ')), trigger('deployment.completed', at(input, 'preprod'))]);
    expect(batch.map((r) => [r.outcome, r.status])).toEqual([
      ['applied', 200],
      ['applied', 200],
    ]);
    const preprod = (await deploymentsOf(artifact.id)).find((d) => d.environment === 'preprod');
    expect(preprod).toMatchObject({ status: 'COMPLETED', promotions: [{ promotion: 'pair-review', status: 'STARTED' }] });

    // An admin may report any promotion result: one approval of the two pair-review needs.
    const verification = trigger('verification.completed', at(input, 'preprod', { promotion: 'pair-review', status: 'SUCCESS', infoUrl: 'https://ci.acme.test/r/1' }));
    expect(await send(verification, 'ops')).toMatchObject([{ id: verification.id, outcome: 'applied', status: 201 }]);
    let result = (await deployment(preprod.id)).promotions[0];
    expect(result).toMatchObject({ status: 'STARTED', evidence: { approvals: [{ actor: 'ops' }] } });
    const rejection = trigger('verification.completed', at(input, 'preprod', { promotion: 'pair-review', status: 'FAILED', reason: 'smoke tests red' }));
    expect(await send(rejection, 'ops')).toMatchObject([{ outcome: 'applied', status: 201 }]);
    result = (await deployment(preprod.id)).promotions[0];
    expect(result).toMatchObject({ status: 'FAILED', reason: 'smoke tests red', actor: 'ops' });
    expect((await deployment(preprod.id)).status).toBe('FAILED');

    // deployment.failed, with a reason, on a fresh artifact.
    const other = newArtifact('com.acme:foas');
    await send(trigger('artifact.available', other));
    const [otherArtifact] = await artifactByVersion(other.version);
    [dev] = await deploymentsOf(otherArtifact.id);
    expect(await send(trigger('deployment.failed', at(other, 'dev', { reason: 'disk full' })))).toMatchObject([{ outcome: 'applied', status: 200 }]);
    expect((await deployment(dev.id)).status).toBe('FAILED');
    const [row] = await t.kernel.db.em().execute<Array<{ reason: string | null }>>('select reason from deployment where id = ?', [dev.id]);
    expect(row?.reason).toBe('disk full');
  });

  it('does the work of one source and id once: a repeat is a duplicate with the first status', async () => {
    const artifact = await api.register('com.acme:foas');
    const dev = artifact.flows[0].deployments[0];
    const started = trigger('deployment.started', at(artifact, 'dev'));
    expect(await send(started)).toEqual([{ id: started.id, outcome: 'applied', status: 200 }]);
    expect(await send(started)).toEqual([{ id: started.id, outcome: 'duplicate', status: 200 }]);
    // Within one batch too, and whatever the content of the repeat.
    const completed = trigger('deployment.completed', at(artifact, 'dev'));
    const repeat = { ...completed, type: 'deploydb.trigger.deployment.failed' };
    expect(await send([completed, repeat, completed])).toEqual([
      { id: completed.id, outcome: 'applied', status: 200 },
      { id: completed.id, outcome: 'duplicate', status: 200 },
      { id: completed.id, outcome: 'duplicate', status: 200 },
    ]);
    expect(await eventsOf(dev.id)).toEqual(['created', 'started', 'completed', 'verified']);

    // The same id from another source is another event (here a repeated report: no new transition).
    const elsewhere = { ...started, source: 'https://other-ci.acme.test' };
    expect(await send(elsewhere)).toEqual([{ id: started.id, outcome: 'applied', status: 200 }]);
    expect(await eventsOf(dev.id)).toEqual(['created', 'started', 'completed', 'verified']);

    // A rejection is remembered too.
    const late = trigger('deployment.failed', at(artifact, 'dev'));
    expect(await send(late)).toMatchObject([{ outcome: 'rejected', status: 409 }]);
    expect(await send(late)).toEqual([{ id: late.id, outcome: 'duplicate', status: 409 }]);
  });

  it('answers concurrent deliveries of one event with one applied and the rest duplicates', async () => {
    const input = newArtifact('com.acme:foas');
    const event = trigger('artifact.available', input);
    const answers = await Promise.all([0, 1, 2, 3].map(() => send(event)));
    const outcomes = answers.map(([r]) => `${r!.outcome} ${r!.status}`).sort();
    expect(outcomes).toEqual(['applied 201', 'duplicate 201', 'duplicate 201', 'duplicate 201']);
    expect(await artifactByVersion(input.version)).toHaveLength(1);
  });

  it('refuses a batch with one invalid event whole: 422, nothing applied, no id remembered', async () => {
    const artifact = await api.register('com.acme:foas');
    const dev = artifact.flows[0].deployments[0];
    const input = newArtifact('com.acme:foas');
    const good = [trigger('deployment.started', at(artifact, 'dev')), trigger('artifact.available', input)];
    const { version: _version, ...noVersion } = newArtifact('com.acme:foas');
    const bad = trigger('artifact.available', noVersion);
    const error = expectInvalid(await post([...good, bad]), '/2/data/version');
    expect(error.details.every((d) => d.path.startsWith('/2/'))).toBe(true);
    expect((await deployment(dev.id)).status).toBe('CREATED');
    expect(await artifactByVersion(input.version)).toEqual([]);

    expect(await send(good)).toMatchObject([
      { id: good[0]!.id, outcome: 'applied', status: 200 },
      { id: good[1]!.id, outcome: 'applied', status: 201 },
    ]);
    expect((await deployment(dev.id)).status).toBe('STARTED');
  });

  it('names every problem by its place in the body', async () => {
    const artifact = await api.register('com.acme:foas');
    const unknownType = expectInvalid(await post(trigger('deployment.exploded', at(artifact, 'dev'))), '/type');
    expect(unknownType.details[0]!.message).toContain('deploydb.trigger.deployment.completed');
    expectInvalid(await post([trigger('deployment.exploded', at(artifact, 'dev'))]), '/0/type');

    const { id: _id, source: _source, ...anonymous } = trigger('deployment.started', at(artifact, 'dev'));
    const error = expectInvalid(await post([anonymous]), '/0/id');
    expect(error.details.map((d) => d.path)).toEqual(expect.arrayContaining(['/0/id', '/0/source']));
    const { data: _data, ...noData } = trigger('deployment.started', at(artifact, 'dev'));
    expectInvalid(await post(noData), '/data');
    expectInvalid(await post({ ...trigger('deployment.started', at(artifact, 'dev')), specversion: '0.3' }), '/specversion');
    expectInvalid(await post(trigger('deployment.started', { ...at(artifact, 'dev'), artifact: { group: 'com.acme', name: 'foas' } })), '/data/artifact/version');
    expectInvalid(await post(trigger('deployment.started', { ...at(artifact, 'dev'), status: 'COMPLETED' })), '/data/status');
    expectInvalid(await post(trigger('verification.completed', at(artifact, 'dev', { promotion: 'pair-review', status: 'MAYBE' }))), '/data/status');
    expectInvalid(await post([{ id: 'x' }, 42]), '/1');
    expectInvalid(await post(trigger('deployment.started', at(artifact, 'dev'), { id: 'nul\u0000id' })), '/id');
    expectInvalid(await post(`[${JSON.stringify(trigger('deployment.started', at(artifact, 'dev'))).replace('"id":"', '"id":"\\ud800')}]`), '/0/id');
    expectInvalid(await post(Array.from({ length: 1001 }, () => trigger('deployment.started', at(artifact, 'dev')))), '');
    expectInvalid(await post('"just a string"'), '');
    expect((await deployment(artifact.flows[0].deployments[0].id)).status).toBe('CREATED');
    // An empty batch is nothing to do.
    expect(await send([])).toEqual([]);
  });

  it('rejects an event as the equivalent API call would: 404, 409, 403, with the error', async () => {
    const missing = { group: 'com.acme', name: 'foas', version: 'never-registered' };
    const [notFound] = await send(trigger('deployment.completed', at(missing, 'dev')));
    expect(notFound).toMatchObject({ outcome: 'rejected', status: 404, error: { code: 'not_found', message: expect.stringContaining('never-registered'), details: [] } });

    const artifact = await api.register('com.acme:foas');
    const [wrongEnvironment] = await send(trigger('deployment.completed', at(artifact, 'prod')));
    expect(wrongEnvironment).toMatchObject({ outcome: 'rejected', status: 404 });

    await api.report(artifact.flows[0].deployments[0].id, 'COMPLETED');
    const [conflict] = await send(trigger('deployment.started', at(artifact, 'dev')));
    expect(conflict).toMatchObject({ outcome: 'rejected', status: 409, error: { code: 'invalid_transition' } });

    // A deployment report repeated (COMPLETED again, now VERIFIED) answers as the API does: 200, nothing changed.
    expect(await send(trigger('deployment.completed', at(artifact, 'dev')))).toMatchObject([{ outcome: 'applied', status: 200 }]);

    // CI may not approve a manual promotion; the promotion must exist on the deployment.
    const { preprod } = await walkToPreprod(artifact);
    const [forbidden] = await send(trigger('verification.completed', at(artifact, 'preprod', { promotion: 'pair-review', status: 'SUCCESS' })));
    expect(forbidden).toMatchObject({ outcome: 'rejected', status: 403, error: { code: 'forbidden' } });
    const [noSuchPromotion] = await send(trigger('verification.completed', at(artifact, 'preprod', { promotion: 'go-live', status: 'SUCCESS' })), 'ops');
    expect(noSuchPromotion).toMatchObject({ outcome: 'rejected', status: 404 });
    const [early] = await send(trigger('verification.completed', at(artifact, 'preprod', { promotion: 'pair-review', status: 'SUCCESS' })), 'ops');
    expect(early).toMatchObject({ outcome: 'rejected', status: 409, error: { code: 'invalid_transition' } });
    await send(trigger('deployment.completed', at(artifact, 'preprod')));
    const [noReason] = await send(trigger('verification.completed', at(artifact, 'preprod', { promotion: 'pair-review', status: 'FAILED' })), 'ops');
    expect(noReason).toMatchObject({ outcome: 'rejected', status: 422, error: { code: 'validation_failed', details: [{ path: '/reason' }] } });
    expect((await deployment(preprod.id)).promotions[0].status).toBe('STARTED');

    const [noService] = await send(trigger('artifact.available', newArtifact('com.other:thing')));
    expect(noService).toMatchObject({ outcome: 'rejected', status: 404, error: { code: 'no_service' } });
    const [again] = await send(trigger('artifact.available', coordinatesAndSource(artifact)));
    expect(again).toMatchObject({ outcome: 'rejected', status: 409, error: { code: 'already_exists', existingId: artifact.id } });
  });

  /** Reports dev and integ COMPLETED by trigger: the preprod deployment is then CREATED. */
  async function walkToPreprod(artifact: Coordinates & { id: number }) {
    await send([trigger('deployment.completed', at(artifact, 'dev')), trigger('deployment.completed', at(artifact, 'integ'))]);
    const preprod = (await deploymentsOf(artifact.id)).find((d) => d.environment === 'preprod');
    expect(preprod).toMatchObject({ status: 'CREATED' });
    return { preprod };
  }
  const coordinatesAndSource = (artifact: Coordinates & { sourceUrl: string }) => ({ ...coordinatesOf(artifact), sourceUrl: artifact.sourceUrl });

  it('takes application/cloudevents+json and application/cloudevents-batch+json, nothing else', async () => {
    const artifact = await api.register('com.acme:foas');
    const [one] = await send(trigger('deployment.started', at(artifact, 'dev')), 'ci', 'application/cloudevents+json; charset=utf-8');
    expect(one).toMatchObject({ outcome: 'applied', status: 200 });
    const batch = await send([trigger('deployment.completed', at(artifact, 'dev'))], 'ci', 'application/cloudevents-batch+json');
    expect(batch).toMatchObject([{ outcome: 'applied', status: 200 }]);
    expectError(await post(trigger('deployment.started', at(artifact, 'dev')), 'ci', 'text/plain'), 415, 'unsupported_media_type');
    expectError(await post('{"id": ', 'ci'), 400, 'bad_request');
  });

  it('needs role ci or admin', async () => {
    const artifact = await api.register('com.acme:foas');
    const event = trigger('deployment.started', at(artifact, 'dev'));
    expectError(await post(event, null), 401, 'unauthorized');
    expectError(await post(event, 'reader'), 403, 'forbidden');
    expectError(await post(event, 'alice'), 403, 'forbidden');
    expect((await deployment(artifact.flows[0].deployments[0].id)).status).toBe('CREATED');
    // A refused request remembers nothing: the same event from CI applies.
    expect(await send(event, 'ci')).toMatchObject([{ outcome: 'applied', status: 200 }]);
    expect(await send(trigger('deployment.completed', at(artifact, 'dev')), 'ops')).toMatchObject([{ outcome: 'applied', status: 200 }]);
  });

  it('records nothing for an unexpected failure, so that a retry applies the event', async () => {
    const artifact = await api.register('com.acme:foas');
    const broken: TriggerCommands = {
      registerArtifact: () => Promise.reject(new Error('database gone')),
      reportDeployment: () => Promise.reject(new Error('database gone')),
      reportPromotion: () => Promise.reject(new Error('database gone')),
      recordDeployment: () => Promise.reject(new Error('database gone')),
    };
    const failing = new TriggerService({ ledger: broken, db: t.kernel.db });
    const event = trigger('deployment.completed', at(artifact, 'dev'));
    await expect(failing.handle([event], { name: 'jenkins', roles: ['ci'] })).rejects.toThrow('database gone');
    expect(await receiptsOf(event)).toEqual([]);
    expect(await send(event)).toEqual([{ id: event.id, outcome: 'applied', status: 200 }]);
    expect(await receiptsOf(event)).toEqual([{ status: 200, pending: false }]);
  });

  it('waits for a delivery applying the same event, and takes over the claim of one that died', async () => {
    const artifact = await api.register('com.acme:foas');
    const dev = artifact.flows[0].deployments[0];
    // A claim left by a delivery that died: expired, so taken over at once.
    const orphan = trigger('deployment.started', at(artifact, 'dev'));
    await claimAs(orphan, -1);
    expect(await send(orphan)).toEqual([{ id: orphan.id, outcome: 'applied', status: 200 }]);
    expect((await deployment(dev.id)).status).toBe('STARTED');
    // A claim still held: the request waits until it expires (or is settled), then applies.
    const held = trigger('deployment.completed', at(artifact, 'dev'));
    await claimAs(held, 1);
    const started = Date.now();
    expect(await send(held)).toEqual([{ id: held.id, outcome: 'applied', status: 200 }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect((await deployment(dev.id)).status).toBe('VERIFIED');
    expect(await receiptsOf(held)).toEqual([{ status: 200, pending: false }]);
  });

  /** Puts a claim on an event as another delivery would, expiring in `seconds`. */
  const claimAs = (event: { source: string; id: string; type: string }, seconds: number) =>
    t.kernel.db.em().execute(
      `insert into trigger_receipt (source, event_id, type, claim_token, claimed_until) values (?, ?, ?, gen_random_uuid(), now() + make_interval(secs => ?))`,
      [event.source, event.id, event.type, seconds],
    );
  const receiptsOf = async (event: { source: string; id: string }) =>
    (
      await t.kernel.db.em().execute<Array<{ status: number | null; pending: boolean }>>(
        `select status, claimed_until is not null as pending from trigger_receipt where source = ? and event_id = ?`,
        [event.source, event.id],
      )
    ).map((r) => ({ status: r.status, pending: r.pending }));

  it('takes triggers from the bus, once per source and id, and drops invalid ones', async () => {
    const artifact = await api.register('com.acme:foas');
    const dev = artifact.flows[0].deployments[0];
    const invalid = trigger('deployment.completed', { service: 'faas' });
    await t.kernel.queue.publish(invalid.type, invalid, { id: invalid.id });
    const event = trigger('deployment.completed', at(artifact, 'dev'));
    await t.kernel.queue.publish(event.type, event, { id: event.id });
    await eventually(async () => expect((await deployment(dev.id)).status).toBe('VERIFIED'));

    // The same event again under another message id: the receipt makes it a duplicate.
    await t.kernel.queue.publish(event.type, event, { id: `${event.id}-again` });
    const started = trigger('deployment.started', at(artifact, 'integ'));
    await t.kernel.queue.publish(started.type, started, { id: started.id });
    const integ = async () => (await deploymentsOf(artifact.id)).find((d) => d.environment === 'integ');
    await eventually(async () => expect((await integ()).status).toBe('STARTED'));
    expect(await eventsOf(dev.id)).toEqual(['created', 'completed', 'verified']);

    // Every message was acknowledged, the invalid one included: nothing waits for redelivery.
    if (await hasEmbeddedQueue()) {
      await eventually(async () => {
        const [pending] = await t.kernel.db.em().execute<Array<{ count: string }>>(
          `select count(*) as count from queue_claim where group_name like 'deploydb-triggers|%'`,
        );
        expect(Number(pending!.count)).toBe(0);
      });
    }
  });

  /** True when the kernel runs the built-in queue (its tables hold the deliveries). */
  async function hasEmbeddedQueue(): Promise<boolean> {
    const [row] = await t.kernel.db.em().execute<Array<{ count: string }>>(`select count(*) as count from queue_group where name like 'deploydb-triggers|%'`);
    return Number(row!.count) > 0;
  }
});

/*
 * The same bus path over the queue plugins and their real brokers: the trigger subjects must
 * reach the consumer group whatever carries them (a NATS stream, the Redis trigger stream).
 */
const brokers = [
  {
    name: 'queue-nats',
    available: () => servicesAvailable(NATS),
    plugin: natsQueue,
    config: (tag: string) => ({ servers: serviceUrls.nats, stream: `DEPLOYDB_TRIGGERS_${tag}`, subjectPrefix: `t${tag}.`, retryDelay: 0.2 }),
    async cleanup(tag: string) {
      const nc = await connect({ servers: serviceUrls.nats, timeout: 5000 });
      try {
        await (await jetstreamManager(nc)).streams.delete(`DEPLOYDB_TRIGGERS_${tag}`).catch(() => undefined);
      } finally {
        await nc.close();
      }
    },
  },
  {
    name: 'queue-redis',
    available: () => servicesAvailable(REDIS),
    plugin: redisQueue,
    config: (tag: string) => ({ url: serviceUrls.redis, stream: `deploydb-ttest:${tag}:events`, triggerStream: `deploydb-ttest:${tag}:triggers`, blockMs: 200, retryDelay: 0.2 }),
    async cleanup(tag: string) {
      const admin = new Redis(serviceUrls.redis);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await admin.scan(cursor, 'MATCH', `deploydb-ttest:${tag}:*`, 'COUNT', 1000);
          if (keys.length > 0) await admin.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        admin.disconnect();
      }
    },
  },
];

for (const broker of brokers) {
  describe.runIf(await broker.available())(`triggers on the bus through ${broker.name}`, () => {
    const tag = randomUUID().slice(0, 8);
    let t: TestKernel;
    let consumer: TriggerConsumer;
    beforeAll(async () => {
      const queue = `queue:\n  plugin: "@deploydb/${broker.name}"\n  config: ${JSON.stringify(broker.config(tag))}\n`;
      t = await startLedger('embedded', {
        config: `${queue}${LEDGER_CONFIG}`,
        plugins: { '@deploydb/promotion-manual': manual, [`@deploydb/${broker.name}`]: broker.plugin },
      });
      consumer = new TriggerConsumer({ queue: t.kernel.queue, service: new TriggerService({ ledger: t.kernel.ledger, db: t.kernel.db }), logger: silentLogger });
      await consumer.start();
    });
    afterAll(async () => {
      await consumer?.stop();
      await t?.destroy();
      await broker.cleanup(tag);
    });

    it('applies a trigger published on the queue, after dropping an invalid one', async () => {
      const api = apiOf(t);
      const artifact = await api.register('com.acme:foas');
      const dev = artifact.flows[0].deployments[0];
      const invalid = trigger('deployment.completed', { service: 'faas' });
      await t.kernel.queue.publish(invalid.type, invalid, { id: invalid.id });
      const event = trigger('deployment.completed', at(artifact, 'dev'));
      await t.kernel.queue.publish(event.type, event, { id: event.id });
      await eventually(async () => expect((await api.get(`/api/deployments/${dev.id}`)).status).toBe('VERIFIED'));
    });
  });
}

/** Retries an assertion until it holds, for up to `ms`. */
async function eventually(check: () => Promise<void>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
