import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { openLoop } from './openLoop.mjs';
import { SECONDS, WARMUP_SECONDS } from './settings.mjs';
import { freshDatabase, startServer } from './support.mjs';

const natsUrl = process.env.DEPLOYDB_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * Trigger-to-subscriber latency: CI posts `deploydb.trigger.artifact.available` at a fixed rate;
 * latency is from the HTTP answer to a JetStream subscriber holding the `artifact.created` event
 * it caused. Open loop: requests go out on schedule whether or not earlier ones were answered.
 */
export async function triggerLatency() {
  const tag = randomBytes(4).toString('hex');
  const stream = `DEPLOYDB_BENCH_${tag}`;
  const prefix = `bench${tag}.`;
  const db = await freshDatabase();
  const server = await startServer('./servers/deploydb.mjs', { DATABASE_URL: db.url, NATS_STREAM: stream, NATS_PREFIX: prefix, NATS_URL: natsUrl });
  const nc = await connect({ servers: natsUrl });
  const figures = {};
  try {
    const seen = new Map();
    const consumer = await jetstream(nc).consumers.get(stream, { filter_subjects: `${prefix}deploydb.artifact.created` });
    const messages = await consumer.consume();
    void (async () => {
      for await (const message of messages) {
        const event = message.json();
        seen.set(event.data.version, performance.now());
      }
    })();
    // A first, unreported run at the lower rate: the figures are of a server past its start-up.
    await measure(server.url, 200, seen, WARMUP_SECONDS);
    for (const rate of [200, 1000]) figures[`at${rate}PerSecond`] = await measure(server.url, rate, seen, SECONDS);
    await messages.close();
  } finally {
    await jetstreamManager(nc).then((m) => m.streams.delete(stream)).catch(() => undefined);
    await nc.close();
    await server.stop();
    await db.drop();
  }
  figures.targets = { p99At200BelowMs: 50 };
  figures.met = figures.at200PerSecond.p99Ms < 50;
  return figures;
}

/**
 * Triggers at an even `rate` over 20 keep-alive connections (`openLoop.mjs`); then, for each
 * answered one, the time from its answer until the subscriber held its event. `http` is the
 * requests' own latency, counted from when each was due.
 */
async function measure(url, rate, seen, seconds) {
  const answeredAt = new Map();
  const versions = [];
  const http = await openLoop(url, {
    rate,
    seconds,
    request: (i) => {
      const version = `${rate}.${i}.${Date.now()}`;
      versions[i] = version;
      const event = { specversion: '1.0', id: `bench-${version}`, source: 'bench', type: 'deploydb.trigger.artifact.available', data: { group: 'com.bench', name: 'app', version, sourceUrl: 'https://ci.bench.test/app' } };
      return { method: 'POST', path: '/api/triggers', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(event) };
    },
    accept: (status) => status === 202,
    answered: (i) => answeredAt.set(versions[i], performance.now()),
  });
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline && [...answeredAt.keys()].some((v) => !seen.has(v))) await new Promise((r) => setTimeout(r, 50));
  const latencies = [...answeredAt].filter(([v]) => seen.has(v)).map(([v, at]) => Math.max(0, seen.get(v) - at)).sort((a, b) => a - b);
  const pick = (q) => Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN).toFixed(1));
  return { requested: http.requested, answeredPerSecond: http.answeredPerSecond, failures: http.failures, failureKinds: http.failureKinds, missing: answeredAt.size - latencies.length, p50Ms: pick(0.5), p99Ms: pick(0.99), maxMs: pick(1), http };
}
