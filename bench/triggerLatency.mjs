import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { freshDatabase, startServer } from './support.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
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
    for (const rate of [200, 1000]) figures[`at${rate}PerSecond`] = await measure(server.url, rate, seen);
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

async function measure(url, rate, seen) {
  const answered = new Map();
  const total = rate * SECONDS;
  const started = performance.now();
  const requests = [];
  let failures = 0;
  const failureKinds = {};
  const failed = (kind) => {
    failures += 1;
    failureKinds[kind] = (failureKinds[kind] ?? 0) + 1;
  };
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const version = `${rate}.${i}.${Date.now()}`;
    const event = { specversion: '1.0', id: `bench-${version}`, source: 'bench', type: 'deploydb.trigger.artifact.available', data: { group: 'com.bench', name: 'app', version, sourceUrl: 'https://ci.bench.test/app' } };
    requests.push(
      fetch(`${url}/api/triggers`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(event) })
        .then(async (response) => {
          await response.arrayBuffer();
          if (response.status !== 202) failed(`HTTP ${response.status}`);
          else answered.set(version, performance.now());
        })
        .catch((error) => failed(error.cause?.code ?? error.message)),
    );
  }
  await Promise.all(requests);
  const sendSeconds = (performance.now() - started) / 1000;
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline && [...answered.keys()].some((v) => !seen.has(v))) await new Promise((r) => setTimeout(r, 50));
  const latencies = [...answered].filter(([v]) => seen.has(v)).map(([v, at]) => Math.max(0, seen.get(v) - at)).sort((a, b) => a - b);
  const pick = (q) => Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN).toFixed(1));
  return { requested: total, achievedPerSecond: Math.round(total / sendSeconds), failures, failureKinds, missing: answered.size - latencies.length, p50Ms: pick(0.5), p99Ms: pick(0.99), maxMs: pick(1) };
}
