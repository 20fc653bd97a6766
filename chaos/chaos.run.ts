/**
 * `npm run chaos`: three DeployDB processes on one fresh PostgreSQL database and one bus, under a
 * steady load, while instances are SIGKILLed and started again, the bus goes away once and the
 * webhook receiver fails for a while; then, once DeployDB is quiet, every check of checks.ts.
 * Fails (and so exits non-zero) when anything was lost or doubled, or a request got a 5xx other
 * than 503 (a request whose database connection was cut).
 *
 * Settings come from chaos/cli.mjs through the environment: CHAOS_BUSES (nats,redis,embedded),
 * CHAOS_SECONDS (load length, 120), CHAOS_RATE (actions per second, 25).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase, POSTGRES, servicesAvailable } from '@deploydb/core/testing';
import { LEDGER_CONFIG } from '../test/support/fixtures.js';
import { eventually } from '../test/support/busReaders.js';
import { privateBrokerAvailable } from '../test/support/privateBrokers.js';
import { BUS_KINDS, startBus, type BusKind } from './buses.js';
import { checkRun } from './checks.js';
import { doubledTotal, lostTotal, printChaosReport } from './chaosReport.js';
import { after, startKiller } from './faults.js';
import { startLoad } from './load.js';
import { defineInstance } from './processes.js';
import { waitForQuiescence } from './quiescence.js';
import { watchRecovery } from './recovery.js';
import { startWebhookReceiver } from './webhookReceiver.js';

const buses = (process.env.CHAOS_BUSES ?? BUS_KINDS.join(',')).split(',') as BusKind[];
const seconds = Number(process.env.CHAOS_SECONDS ?? 120);
const rate = Number(process.env.CHAOS_RATE ?? 25);
const INSTANCES = ['deploydb-a', 'deploydb-b', 'deploydb-c'];
const WEBHOOK_SECRET = `whsec_${Buffer.from('chaos-run-webhook-secret-32bytes').toString('base64')}`;

describe('DeployDB under fire', async () => {
  if (!(await servicesAvailable(POSTGRES))) throw new Error('the chaos run needs PostgreSQL (DEPLOYDB_TEST_POSTGRES_URL)');

  for (const kind of buses) {
    it(`three instances on ${kind}: nothing lost, nothing doubled`, async () => {
      if (kind !== 'embedded' && !privateBrokerAvailable(kind)) throw new Error(`the chaos run on ${kind} needs its server installed`);
      const bus = await startBus(kind);
      const databaseUrl = await createTestDatabase();
      const receiver = await startWebhookReceiver();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `deploydb-chaos-${kind}-`));
      const yaml = `logging: { level: warn }
database: { url: "${databaseUrl}" }
${bus.yaml}webhooks:
  - { url: "${receiver.url}", secret: "${WEBHOOK_SECRET}", retry: { attempts: 30, backoff: 0.5 } }
${LEDGER_CONFIG}`;
      const instances = await Promise.all(INSTANCES.map((name) => defineInstance(dir, name, yaml)));
      let failed = true;
      try {
        // The first creates the tables; then the bus's reader joins, then the others.
        await instances[0]!.start();
        await bus.ready(databaseUrl);
        await Promise.all(instances.slice(1).map((i) => i.start()));

        const ms = seconds * 1000;
        const load = startLoad({ instances, rate, activeFlows: 100 });
        const killer = startKiller(instances, { everyMs: 5000, downMs: 1500 });
        const recovery = watchRecovery(databaseUrl, killer.figures);
        const outage = after(0.4 * ms, () => bus.outage(databaseUrl));
        const webhookOutage = { from: 0.55 * ms, to: 0.7 * ms };
        const receiverDown = after(webhookOutage.from, async () => receiver.failing(true));
        const receiverUp = after(webhookOutage.to, async () => receiver.failing(false));
        // The last kill falls well inside the load, so recovering from it happens under load too.
        await new Promise((resolve) => setTimeout(resolve, 0.85 * ms));
        await killer.stop();
        await new Promise((resolve) => setTimeout(resolve, 0.15 * ms));
        await load.stop();
        const [outageDone] = await Promise.all([outage, receiverDown, receiverUp]);
        const quiet = await waitForQuiescence(databaseUrl, receiver, 180_000);
        await recovery.stop();

        const onBus = await eventually(() => bus.read(databaseUrl), 30_000, 1000);
        const checks = await checkRun({ databaseUrl, apiUrl: instances[0]!.url, load: load.figures, bus: onBus, receiver });
        if (!quiet.quiet) checks.problems.push(`not quiet ${quiet.seconds.toFixed(0)} s after the load: ${JSON.stringify(quiet.backlog)}`);
        const exits = await Promise.all(instances.map((i) => i.stop()));
        const clean = exits.filter((e) => e.code === 0).length;
        if (clean < exits.length) checks.problems.push(`${exits.length - clean} instances did not exit 0 on SIGTERM: ${JSON.stringify(exits)}`);
        // 503 is the answer to a request whose database connection was cut (the embedded queue's
        // outage); any other 5xx is a bug.
        const serverErrors = Object.entries(load.figures.byStatus).filter(([status]) => Number(status) >= 500 && Number(status) !== 503);
        if (serverErrors.length > 0) checks.problems.push(`5xx answers other than 503: ${JSON.stringify(Object.fromEntries(serverErrors))}`);
        if (killer.figures.failedRestarts.length > 0) checks.problems.push(`${killer.figures.failedRestarts.length} restarts failed`);

        printChaosReport({
          bus: kind,
          seconds,
          rate,
          load: load.figures,
          kills: killer.figures,
          recoverySeconds: recovery.measuredKillAt() === killer.figures.lastKill?.at ? recovery.lastRecoverySeconds() : null,
          outage: String(outageDone),
          webhookOutage: { seconds: (webhookOutage.to - webhookOutage.from) / 1000, refused: receiver.refused() },
          quiescentAfterSeconds: quiet.seconds,
          cleanStops: `${clean}/${exits.length}`,
          checks,
        });
        expect(lostTotal(checks), 'lost').toBe(0);
        expect(doubledTotal(checks), 'doubled').toBe(0);
        expect(checks.problems).toEqual([]);
        failed = false;
      } finally {
        await Promise.all(instances.map((i) => i.kill()));
        await receiver.close();
        await bus.close();
        await dropTestDatabase(databaseUrl);
        if (failed) process.stdout.write(`instance logs kept in ${dir}\n`);
        else fs.rmSync(dir, { recursive: true, force: true });
      }
    }, (seconds + 600) * 1000);
  }
});
