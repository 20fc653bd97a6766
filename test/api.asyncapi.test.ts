import { Parser } from '@asyncapi/parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKernel } from '@deploydb/core/testing';
import { apiOf, toProd, type Api } from './support/apiHelpers.js';
import { outboxRows } from './support/busReaders.js';
import { documentValidator } from './support/documentSchemas.js';
import { startLedger } from './support/fixtures.js';

/** The outbound event types of CONTRACT §5 and the trigger types of §6 and §11. */
const EVENT_TYPES = [
  'deploydb.artifact.created',
  'deploydb.deployment.created',
  'deploydb.deployment.started',
  'deploydb.deployment.completed',
  'deploydb.deployment.verified',
  'deploydb.deployment.failed',
  'deploydb.promotion.completed',
  'deploydb.flow.completed',
];
const TRIGGER_TYPES = [
  'deploydb.trigger.artifact.available',
  'deploydb.trigger.deployment.started',
  'deploydb.trigger.deployment.completed',
  'deploydb.trigger.deployment.failed',
  'deploydb.trigger.verification.completed',
  'deploydb.trigger.deployment.recorded',
];

describe('/asyncapi.json', () => {
  let t: TestKernel;
  let api: Api;
  let doc: any;
  let check: ReturnType<typeof documentValidator>;
  beforeAll(async () => {
    t = await startLedger('embedded');
    api = apiOf(t);
    const response = await api.send(null, 'GET', '/asyncapi.json');
    expect(response.status, 'public: no token needed').toBe(200);
    doc = response.body;
    check = documentValidator(doc);
  });
  afterAll(() => t?.destroy());

  const resolve = (value: any): any => {
    if (!value?.$ref) return value;
    const target = value.$ref.replace(/^#\//, '').split('/').reduce((at: any, key: string) => at?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    expect(target, `${value.$ref} resolves`).toBeDefined();
    return resolve(target);
  };
  const channelMessages = (channel: string) => Object.values<any>(resolve(doc.channels[channel]).messages).map(resolve);
  /** The message of `type` on a channel. */
  const messageOf = (channel: string, type: string) => channelMessages(channel).find((m) => m.name === type);
  const natsChannelOf = (type: string) => Object.keys(doc.channels).find((key) => doc.channels[key].address === type)!;

  it('is a valid AsyncAPI 3.0 document: the parser reports no errors and no warnings', async () => {
    expect(doc.asyncapi).toBe('3.0.0');
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
    const problems = diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.severity === 0 ? 'error' : 'warning'} ${d.code} at /${d.path.join('/')}: ${d.message}`);
    expect(problems).toEqual([]);
    expect(document, 'parsed').toBeDefined();
    expect(document!.operations().length).toBeGreaterThan(0);
  });

  it('the parser does refuse a broken document (an operation on a channel that does not exist)', async () => {
    const broken = structuredClone(doc);
    broken.operations.sendWebhooks.channel = { $ref: '#/channels/nowhere' };
    const { diagnostics } = await new Parser().parse(JSON.stringify(broken));
    expect(diagnostics.filter((d) => d.severity === 0).length).toBeGreaterThan(0);
  });

  it('has a NATS subject per event and trigger type in stream DEPLOYDB, DeployDB sending events and receiving triggers', () => {
    expect(doc.servers.nats).toMatchObject({ protocol: 'nats' });
    expect(doc.servers.nats.description).toContain('DEPLOYDB');
    for (const type of [...EVENT_TYPES, ...TRIGGER_TYPES]) {
      const channel = natsChannelOf(type);
      expect(channel, type).toBeDefined();
      expect(doc.channels[channel].servers).toEqual([{ $ref: '#/servers/nats' }]);
      expect(messageOf(channel, type), type).toBeDefined();
      const operations = Object.values<any>(doc.operations).filter((o) => o.channel.$ref === `#/channels/${channel}`);
      expect(operations.map((o) => o.action), type).toEqual([type.includes('.trigger.') ? 'receive' : 'send']);
    }
    expect(Object.keys(resolve(messageOf(natsChannelOf('deploydb.flow.completed'), 'deploydb.flow.completed').headers).properties)).toContain('Nats-Msg-Id');
  });

  it('has the Redis streams deploydb:events (every event) and deploydb:triggers (every trigger), entries with the fields type and event', () => {
    const channel = (address: string) => Object.keys(doc.channels).find((key) => doc.channels[key].address === address)!;
    const events = channelMessages(channel('deploydb:events'));
    const triggers = channelMessages(channel('deploydb:triggers'));
    expect(events.map((m) => m.name).sort()).toEqual([...EVENT_TYPES].sort());
    expect(triggers.map((m) => m.name).sort()).toEqual([...TRIGGER_TYPES].sort());
    for (const message of [...events, ...triggers]) {
      const payload = resolve(message.payload);
      expect(payload.required, message.name).toEqual(expect.arrayContaining(['type', 'event']));
      expect(payload.properties.type.const).toBe(message.name);
    }
    expect(check(resolve(events[0].payload), { type: events[0].name, event: '{}', id: 'x' })).toEqual([]);
    expect(check(resolve(events[0].payload), { type: 'deploydb.other', event: '{}', id: 'x' })).not.toEqual([]);
  });

  it('has webhooks: every event POSTed with the Standard Webhooks headers', () => {
    const messages = channelMessages('webhook');
    expect(messages.map((m) => m.name).sort()).toEqual([...EVENT_TYPES].sort());
    expect(doc.operations.sendWebhooks).toMatchObject({ action: 'send', bindings: { http: { method: 'POST' } } });
    for (const message of messages) {
      const headers = resolve(message.headers);
      expect(Object.keys(headers.properties).sort(), message.name).toEqual(['content-type', 'webhook-id', 'webhook-signature', 'webhook-timestamp']);
      expect(headers.required.sort()).toEqual(['content-type', 'webhook-id', 'webhook-timestamp']);
    }
  });

  it('describes exactly the events DeployDB emits: every stored event of a flow to prod and back matches its message', async () => {
    const { prod } = await toProd(api);
    await api.report(prod.id, 'COMPLETED');
    await api.approve('carol', prod.id, 'go-live');
    const failing = await api.register();
    await api.report(failing.flows[0].deployments[0].id, 'STARTED');
    await api.report(failing.flows[0].deployments[0].id, 'FAILED');
    const rows = await outboxRows(t);
    expect(new Set(rows.map((r) => r.type))).toEqual(new Set(EVENT_TYPES));
    for (const { event } of rows) {
      const message = messageOf(natsChannelOf(event.type), event.type);
      expect(check(resolve(message.payload), event), `${event.type} ${event.subject}`).toEqual([]);
      const webhook = messageOf('webhook', event.type);
      expect(check(resolve(webhook.payload), event)).toEqual([]);
    }
    // ...and a schema that could not tell them apart would be no description at all
    const created = rows.find((r) => r.type === 'deploydb.deployment.created')!.event;
    const schema = resolve(messageOf(natsChannelOf('deploydb.deployment.created'), 'deploydb.deployment.created').payload);
    expect(check(schema, { ...created, type: 'deploydb.deployment.started' })).not.toEqual([]);
    expect(check(schema, { ...created, data: { ...created.data, artifact: undefined } })).not.toEqual([]);
    expect(check(schema, { ...created, subject: 'flows/1' })).not.toEqual([]);
  });

  it('describes the triggers DeployDB takes: what it applies matches, what it refuses does not', async () => {
    const artifact = { group: 'com.acme', name: 'billing', version: `9.${Date.now()}`, sourceUrl: 'https://ci/b' };
    const coordinates = { group: artifact.group, name: artifact.name, version: artifact.version };
    const triggers = [
      { specversion: '1.0', id: 'a1', source: 'ci', type: 'deploydb.trigger.artifact.available', data: artifact, time: '2024-01-01T00:00:00Z' },
      { id: 'a2', source: 'ci', type: 'deploydb.trigger.deployment.started', data: { service: 'billing', environment: 'dev', artifact: coordinates } },
      { id: 'a3', source: 'ci', type: 'deploydb.trigger.deployment.completed', data: { service: 'billing', environment: 'dev', artifact: coordinates, reason: 'ok' } },
      { id: 'a4', source: 'ci', type: 'deploydb.trigger.deployment.failed', data: { service: 'billing', environment: 'integ', artifact: coordinates } },
      { id: 'a5', source: 'ci', type: 'deploydb.trigger.verification.completed', data: { service: 'billing', environment: 'prod', artifact: coordinates, promotion: 'go-live', status: 'SUCCESS' } },
      { id: 'a6', source: 'ci', type: 'deploydb.trigger.deployment.recorded', data: { service: 'billing', environment: 'prod', artifact: coordinates, kind: 'hotfix', status: 'COMPLETED' } },
    ];
    const response = await api.send('ci', 'POST', '/api/triggers', triggers);
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    for (const trigger of triggers) {
      const message = messageOf(natsChannelOf(trigger.type), trigger.type);
      expect(check(resolve(message.payload), trigger), trigger.type).toEqual([]);
    }
    const refused = [
      { source: 'ci', type: 'deploydb.trigger.deployment.started', data: triggers[1]!.data },
      { id: 'b2', source: 'ci', type: 'deploydb.trigger.deployment.started', data: { ...triggers[1]!.data, extra: 1 } },
      { id: 'b3', source: 'ci', type: 'deploydb.trigger.artifact.available', data: { ...artifact, version: '' } },
    ];
    for (const trigger of refused) {
      expect((await api.send('ci', 'POST', '/api/triggers', trigger)).status, JSON.stringify(trigger)).toBe(422);
      expect(check(resolve(messageOf(natsChannelOf(trigger.type), trigger.type).payload), trigger), JSON.stringify(trigger)).not.toEqual([]);
    }
  });

  it('is listed in /openapi.json as a public operation', async () => {
    const openapi = (await api.send(null, 'GET', '/openapi.json')).body;
    expect(openapi.paths['/asyncapi.json'].get).toMatchObject({ operationId: 'getAsyncApiDocument', security: [] });
  });
});
