import Type, { type TSchema } from 'typebox';
import { ArtifactSchema, DeploymentSchema, FlowSchema, PromotionCompletedSchema } from '../domain/shapes.js';
import { SchemaComponents } from '../schema/schemaComponents.js';
import { EVENT_TYPES, type EventType } from './cloudEvent.js';
import { TRIGGER_ATTRIBUTES, TRIGGER_DATA_SCHEMAS, TRIGGER_TYPES, type TriggerType } from './triggers/triggerSchemas.js';

/**
 * /asyncapi.json (AsyncAPI 3.0): DeployDB's outbound events (CONTRACT §5) and inbound triggers
 * (§6, §11) on NATS JetStream, Redis Streams and webhooks, their data described by the same
 * TypeBox schemas that shape the events and validate the triggers.
 */

interface EventDescription {
  summary: string;
  /** The CloudEvent `subject`, as a pattern and as people read it. */
  subject: { pattern: string; text: string };
  data: TSchema;
}

const deploymentEvent = (status: string): EventDescription => ({
  summary: `A deployment became ${status}.`,
  subject: { pattern: '^deployments/[1-9][0-9]*$', text: 'deployments/{id}' },
  data: DeploymentSchema,
});

const EVENTS: Record<EventType, EventDescription> = {
  'deploydb.artifact.created': {
    summary: 'An artifact was registered.',
    subject: { pattern: '^artifacts/[1-9][0-9]*$', text: 'artifacts/{id}' },
    data: ArtifactSchema,
  },
  'deploydb.deployment.created': deploymentEvent('CREATED'),
  'deploydb.deployment.started': deploymentEvent('STARTED'),
  'deploydb.deployment.completed': deploymentEvent('COMPLETED'),
  'deploydb.deployment.verified': deploymentEvent('VERIFIED'),
  'deploydb.deployment.failed': deploymentEvent('FAILED'),
  'deploydb.promotion.completed': {
    summary: 'A promotion result became SUCCESS or FAILED.',
    subject: { pattern: '^deployments/[1-9][0-9]*/promotions/[1-9][0-9]*$', text: 'deployments/{id}/promotions/{resultId}' },
    data: PromotionCompletedSchema,
  },
  'deploydb.flow.completed': {
    summary: 'A flow ended: SUCCESS after its last environment, or FAILED.',
    subject: { pattern: '^flows/[1-9][0-9]*$', text: 'flows/{id}' },
    data: FlowSchema,
  },
};

const TRIGGERS: Record<TriggerType, string> = {
  'deploydb.trigger.artifact.available': 'Registers an artifact, as POST /api/artifacts.',
  'deploydb.trigger.deployment.started': 'Reports STARTED for the newest deployment of the service, environment and artifact, as PATCH /api/deployments/{id}.',
  'deploydb.trigger.deployment.completed': 'Reports COMPLETED for the newest deployment of the service, environment and artifact, as PATCH /api/deployments/{id}.',
  'deploydb.trigger.deployment.failed': 'Reports FAILED for the newest deployment of the service, environment and artifact, as PATCH /api/deployments/{id}.',
  'deploydb.trigger.verification.completed': 'Reports a promotion result for the newest deployment of the service, environment and artifact, as POST /api/deployments/{id}/promotions.',
  'deploydb.trigger.deployment.recorded': 'Records a deployment outside any flow (rollback, hotfix, by hand), as POST /api/deployments.',
};

/** `deploydb.deployment.created` → `DeploymentCreated`; `deploydb.trigger.artifact.available` → `ArtifactAvailable`. */
function nameOf(type: string): string {
  return type
    .replace(/^deploydb\.(trigger\.)?/, '')
    .split('.')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}

const lowerFirst = (text: string) => text[0]!.toLowerCase() + text.slice(1);

/** The CloudEvent DeployDB publishes for one type (CONTRACT §5). */
function eventEnvelope(type: EventType): TSchema {
  const { subject, data } = EVENTS[type];
  return Type.Object(
    {
      specversion: Type.Literal('1.0'),
      id: Type.String({ minLength: 1, description: 'unique per event: deduplicate by it (delivery is at least once)' }),
      source: Type.Literal('deploydb'),
      type: Type.Literal(type),
      time: Type.String({ format: 'date-time', description: 'when the change happened (ISO-8601 UTC)' }),
      subject: Type.String({ pattern: subject.pattern, description: subject.text }),
      datacontenttype: Type.Literal('application/json'),
      data,
    },
    { $id: `${nameOf(type)}Event`, additionalProperties: false, description: `CloudEvent 1.0, structured JSON: ${EVENTS[type].summary}` },
  );
}

/** The CloudEvent DeployDB accepts for one trigger type (CONTRACT §6): other attributes are allowed and ignored. */
function triggerEnvelope(type: TriggerType): TSchema {
  return Type.Object(
    { ...TRIGGER_ATTRIBUTES, type: Type.Literal(type), data: TRIGGER_DATA_SCHEMAS[type] },
    { $id: `${nameOf(type)}Trigger`, additionalProperties: true, description: `CloudEvent 1.0, structured JSON: ${TRIGGERS[type]}` },
  );
}

const NATS_HEADERS = Type.Object(
  {
    'Nats-Msg-Id': Type.String({ description: 'the event id: JetStream stores a repeat within its duplicate window once' }),
    'DeployDB-Key': Type.Optional(Type.String({ description: "the ordering key: one deployment's events carry the same key, in the order they happened" })),
  },
  { $id: 'NatsHeaders' },
);

const WEBHOOK_HEADERS = Type.Object(
  {
    'content-type': Type.Literal('application/cloudevents+json'),
    'webhook-id': Type.String({ description: 'the event id' }),
    'webhook-timestamp': Type.String({ pattern: '^[0-9]+$', description: 'when it was sent, in integer seconds since 1970' }),
    'webhook-signature': Type.Optional(
      Type.String({
        pattern: '^v1,',
        description: 'Standard Webhooks: "v1," + base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}", keyed with the base64 part of the webhook\'s secret (absent without a secret)',
      }),
    ),
  },
  { $id: 'WebhookHeaders' },
);

/**
 * A Redis stream entry: the type in its own field, the CloudEvent as JSON text (CONTRACT §5).
 * DeployDB writes `id` (and `key` for ordered events); for entries it reads only `type` and `event` are needed.
 */
function redisEntry(type: string, envelopeName: string, direction: 'published' | 'read'): TSchema {
  const id = Type.String({ description: 'the event id: a second publish of it within the duplicate window adds nothing' });
  return Type.Object(
    {
      type: Type.Literal(type),
      event: Type.String({ contentMediaType: 'application/cloudevents+json', description: `the CloudEvent as JSON text (schema ${envelopeName})` }),
      ...(direction === 'published'
        ? { id, key: Type.Optional(Type.String({ description: "the ordering key: one deployment's events carry the same key" })) }
        : { id: Type.Optional(id) }),
    },
    { $id: `${envelopeName}RedisEntry`, additionalProperties: direction === 'read' },
  );
}

/** What the document says about DeployDB itself. */
export interface AsyncApiInfo {
  version: string;
  license: string;
}

const DESCRIPTION = [
  'Every change of the DeployDB ledger is published once as a CloudEvent 1.0 (structured JSON), stored in the ',
  "same transaction as the change and sent on after it, in order per deployment. Delivery is at least once: deduplicate by the event's `id`. ",
  'The bus is the one `queue:` in deploydb.yaml configures (NATS JetStream or Redis Streams; without one, ',
  "an embedded queue inside DeployDB's own database that outside consumers do not read). Webhooks configured under `webhooks:` ",
  'get each matching event by HTTP POST. Triggers (CloudEvents addressed by service, environment and artifact) are ',
  'taken from the bus, and by HTTP at POST /api/triggers (see /openapi.json). Names below are the defaults: the ',
  "queue plugins' `stream`, `subjectPrefix` and `triggerStream` settings change them, and a second installation on ",
  'the same server takes names made from its installation id (GET /health shows the names in use).',
].join('');

/** The AsyncAPI 3.0 document. */
export function asyncApiDocument(info: AsyncApiInfo): unknown {
  const components = new SchemaComponents('#/components/schemas/');
  const natsHeaders = components.use(NATS_HEADERS);
  const webhookHeaders = components.use(WEBHOOK_HEADERS);
  const messages: Record<string, unknown> = {};
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const ref = (where: string, name: string) => ({ $ref: `#/${where}/${name}` });

  const redisEvents: Record<string, unknown> = {};
  const redisTriggers: Record<string, unknown> = {};
  const webhookEvents: Record<string, unknown> = {};

  for (const type of EVENT_TYPES) {
    const name = nameOf(type);
    const payload = components.use(eventEnvelope(type));
    const common = { title: type, summary: EVENTS[type].summary, correlationId: { location: '$message.payload#/id' } };
    messages[`nats${name}`] = { name: type, ...common, contentType: 'application/cloudevents+json', headers: natsHeaders, payload };
    messages[`redis${name}`] = { name: type, ...common, contentType: 'application/json', payload: components.use(redisEntry(type, `${name}Event`, 'published')) };
    messages[`webhook${name}`] = {
      name: type,
      ...common,
      contentType: 'application/cloudevents+json',
      headers: webhookHeaders,
      payload,
      bindings: { http: { headers: webhookHeaders, bindingVersion: '0.3.0' } },
    };
    channels[`nats${name}`] = {
      address: type,
      title: `NATS subject ${type}`,
      description: `JetStream subject ${type} in stream DEPLOYDB.`,
      servers: [ref('servers', 'nats')],
      messages: { [lowerFirst(name)]: ref('components/messages', `nats${name}`) },
    };
    operations[`publish${name}OnNats`] = {
      action: 'send',
      channel: ref('channels', `nats${name}`),
      summary: `DeployDB publishes ${type} to NATS.`,
      messages: [ref('channels', `nats${name}/messages/${lowerFirst(name)}`)],
    };
    redisEvents[lowerFirst(name)] = ref('components/messages', `redis${name}`);
    webhookEvents[lowerFirst(name)] = ref('components/messages', `webhook${name}`);
  }

  for (const type of TRIGGER_TYPES) {
    const name = `${nameOf(type)}Trigger`;
    const payload = components.use(triggerEnvelope(type));
    const common = { title: type, summary: TRIGGERS[type] };
    messages[`nats${name}`] = { name: type, ...common, contentType: 'application/cloudevents+json', payload };
    messages[`redis${name}`] = { name: type, ...common, contentType: 'application/json', payload: components.use(redisEntry(type, name, 'read')) };
    channels[`nats${name}`] = {
      address: type,
      title: `NATS subject ${type}`,
      description: `JetStream subject ${type} in stream DEPLOYDB; DeployDB applies what arrives as a caller named "bus" with role ci.`,
      servers: [ref('servers', 'nats')],
      messages: { [lowerFirst(name)]: ref('components/messages', `nats${name}`) },
    };
    operations[`receive${name}FromNats`] = {
      action: 'receive',
      channel: ref('channels', `nats${name}`),
      summary: `DeployDB applies ${type} from NATS.`,
      messages: [ref('channels', `nats${name}/messages/${lowerFirst(name)}`)],
    };
    redisTriggers[lowerFirst(name)] = ref('components/messages', `redis${name}`);
  }

  channels.redisEvents = {
    address: 'deploydb:events',
    title: 'Redis stream deploydb:events',
    description: 'One stream entry per event, with the fields type, event (the CloudEvent as JSON), id and key. Read it with a consumer group of your own.',
    servers: [ref('servers', 'redis')],
    messages: redisEvents,
  };
  channels.redisTriggers = {
    address: 'deploydb:triggers',
    title: 'Redis stream deploydb:triggers',
    description: 'Trigger entries, with the fields type and event (the CloudEvent as JSON); DeployDB applies them as a caller named "bus" with role ci.',
    servers: [ref('servers', 'redis')],
    messages: redisTriggers,
  };
  channels.webhook = {
    // The URL of each `webhooks:` entry: not known to the document.
    address: null,
    title: 'Webhook receivers',
    description:
      'Each URL under `webhooks:` in deploydb.yaml gets one POST per matching event (its `events` globs, and for deployment and promotion events its `environments`). ' +
      'A 2xx answer is delivered; anything else, or no answer within 15 s, is tried again with backoff, then kept as failed (GET /api/webhooks/deliveries).',
    servers: [ref('servers', 'webhook')],
    messages: webhookEvents,
  };
  const allOf = (channel: string, list: Record<string, unknown>) => Object.keys(list).map((message) => ref('channels', `${channel}/messages/${message}`));
  operations.publishEventsOnRedis = {
    action: 'send',
    channel: ref('channels', 'redisEvents'),
    summary: 'DeployDB appends every event to the Redis stream.',
    messages: allOf('redisEvents', redisEvents),
  };
  operations.receiveTriggersFromRedis = {
    action: 'receive',
    channel: ref('channels', 'redisTriggers'),
    summary: 'DeployDB applies triggers appended to the Redis stream.',
    messages: allOf('redisTriggers', redisTriggers),
  };
  operations.sendWebhooks = {
    action: 'send',
    channel: ref('channels', 'webhook'),
    summary: 'DeployDB POSTs each matching event to each webhook URL, signed per Standard Webhooks.',
    bindings: { http: { method: 'POST', bindingVersion: '0.3.0' } },
    messages: allOf('webhook', webhookEvents),
  };

  return {
    asyncapi: '3.0.0',
    id: 'urn:deploydb:events',
    info: {
      title: 'DeployDB events',
      version: info.version,
      description: DESCRIPTION,
      license: { name: info.license, url: `https://spdx.org/licenses/${info.license}.html` },
    },
    defaultContentType: 'application/cloudevents+json',
    servers: {
      nats: {
        host: '{host}',
        protocol: 'nats',
        title: 'NATS JetStream (@deploydb/queue-nats)',
        description: 'Stream DEPLOYDB; the subject of each message is its type. Deduplicate by the Nats-Msg-Id header (= the event id).',
        variables: { host: { default: '127.0.0.1:4222', description: 'a server of `queue.config.servers`' } },
      },
      redis: {
        host: '{host}',
        protocol: 'redis',
        title: 'Redis Streams (@deploydb/queue-redis)',
        description: 'Events on the stream deploydb:events, triggers on deploydb:triggers.',
        variables: { host: { default: '127.0.0.1:6379', description: 'the server of `queue.config.url`' } },
      },
      webhook: {
        host: '{host}',
        protocol: 'http',
        title: 'Webhook receivers',
        description: 'The receiver of a `webhooks:` URL (http or https).',
        variables: { host: { default: 'hooks.example.com', description: 'the host of the webhook URL' } },
      },
    },
    channels,
    operations,
    components: { schemas: components.schemas, messages },
  };
}
