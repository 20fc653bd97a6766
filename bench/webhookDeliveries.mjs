import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { freshDatabase, startServer } from './support.mjs';

const COUNT = Number(process.env.BENCH_DELIVERIES ?? 5000);

/**
 * Webhook deliveries per second to a local receiver: COUNT deliveries are pending when DeployDB
 * starts (stored as the dispatcher stores them), and the receiver counts the signed POSTs until
 * it has them all. The rate runs from the first delivery to the last; the time from the server's
 * start to its first delivery is reported beside it. Baseline in the same run: a bare loop of
 * keep-alive POSTs to the same receiver.
 */
export async function webhookDeliveries() {
  let received = 0;
  let firstAt = null;
  let done = () => undefined;
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(204).end();
      firstAt ??= performance.now();
      if (++received === COUNT) done(performance.now());
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
  const db = await freshDatabase();
  try {
    const baseline = await bareBaseline(receiverUrl);
    received = 0;
    // First start creates the tables; then the deliveries are stored as pending.
    const env = { DATABASE_URL: db.url, RECEIVER_URL: receiverUrl, WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}` };
    await (await startServer('./servers/deploydb.mjs', env)).stop();
    await storePending(db.url, receiverUrl);
    received = 0;
    firstAt = null;
    const all = new Promise((resolve) => (done = resolve));
    const started = performance.now();
    const server = await startServer('./servers/deploydb.mjs', env);
    const finished = (await Promise.race([all, new Promise((resolve) => setTimeout(() => resolve(null), 120_000))])) ?? performance.now();
    await server.stop();
    // The first delivery opens the measure: the rate counts the deliveries after it.
    const seconds = firstAt === null ? null : (finished - firstAt) / 1000;
    const perSecond = seconds ? Math.round((received - 1) / seconds) : 0;
    return {
      deliveries: COUNT,
      delivered: received,
      deliveriesPerSecond: perSecond,
      secondsFromStartToFirstDelivery: firstAt === null ? null : Number(((firstAt - started) / 1000).toFixed(2)),
      deliveriesPerSecondFromStart: Math.round(received / ((finished - started) / 1000)),
      bareFetchPerSecond: baseline,
      target: { atLeastPerSecond: 1000 },
      met: received === COUNT && perSecond >= 1000,
    };
  } finally {
    receiver.close();
    await db.drop();
  }
}

async function storePending(url, receiverUrl) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const rows = Array.from({ length: COUNT }, (_, i) => {
    const id = randomUUID();
    const event = { specversion: '1.0', id, source: 'deploydb', type: 'deploydb.artifact.created', time: new Date().toISOString(), subject: `artifacts/${i + 1}`, datacontenttype: 'application/json', data: { id: i + 1 } };
    return { event_id: id, event_type: event.type, url: receiverUrl, order_key: `artifact:${i + 1}`, status: 'pending', max_attempts: 10, event };
  });
  await client.query(
    `with stored as (
       insert into webhook_delivery (event_id, event_type, url, order_key, status, max_attempts, event)
       select * from jsonb_to_recordset($1::jsonb) as x(event_id text, event_type text, url text, order_key text, status text, max_attempts int, event jsonb)
       returning id, next_attempt_at)
     insert into webhook_due (id, next_attempt_at) select id, next_attempt_at from stored`,
    [JSON.stringify(rows)],
  );
  await client.end();
}

/** The same receiver fed by 64 keep-alive loops of bare fetch POSTs: what the machine allows. */
async function bareBaseline(receiverUrl) {
  const total = 5000;
  let sent = 0;
  const body = JSON.stringify({ id: randomUUID(), data: { padding: 'x'.repeat(400) } });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (sent < total) {
        sent += 1;
        const response = await fetch(receiverUrl, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body });
        await response.arrayBuffer();
      }
    }),
  );
  return Math.round(total / ((performance.now() - started) / 1000));
}
