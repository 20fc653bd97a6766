/**
 * `npm run soak`: one DeployDB process (the CLI, on a fresh PostgreSQL database, the embedded
 * queue, a webhook receiver) under a steady mixed load for SOAK_MINUTES (10): the chaos run's
 * flows (registrations, reports, approvals, triggers) and reads of what runs where and the lists,
 * at SOAK_RATE requests a second (100), with live-event clients (GET /api/events/stream) that
 * stay connected, one of which is replaced every half minute.
 *
 * Every 5 s it samples the process's resident memory (/proc) and, from /metrics, the V8 heap in
 * use. After a warm-up (the first 30 % of the run, at least two minutes) it fits a line to the RSS
 * samples (least squares, MB per minute). RSS swings by tens of MB as V8 collects and the
 * allocator keeps or returns pages, so the slope is judged with its noise: the run fails when even
 * the slope less twice its standard error is above SOAK_MAX_SLOPE (1 MB/min), i.e. when memory
 * grows with the work done by more than the swings explain.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase, POSTGRES, servicesAvailable } from '@deploydb/core/testing';
import { LEDGER_CONFIG, TOKENS } from '../test/support/fixtures.js';
import { openStream, type SseClient } from '../test/support/sseClient.js';
import { startLoad } from './load.js';
import { defineInstance, residentBytes } from './processes.js';
import { leastSquares } from './slope.js';
import { startWebhookReceiver } from './webhookReceiver.js';

const minutes = Number(process.env.SOAK_MINUTES ?? 10);
const requestsPerSecond = Number(process.env.SOAK_RATE ?? 100);
const maxSlope = Number(process.env.SOAK_MAX_SLOPE ?? 1);
const SAMPLE_MS = 5000;
const SSE_CLIENTS = 5;
const MB = 1024 * 1024;

interface Sample {
  minute: number;
  rssMb: number;
  heapUsedMb: number | null;
}

it(`one DeployDB process, ${requestsPerSecond} requests/s for ${minutes} min: memory does not grow beyond noise`, async () => {
  if (!(await servicesAvailable(POSTGRES))) throw new Error('the soak run needs PostgreSQL (DEPLOYDB_TEST_POSTGRES_URL)');
  const databaseUrl = await createTestDatabase();
  const receiver = await startWebhookReceiver();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploydb-soak-'));
  const instance = await defineInstance(dir, 'deploydb', `logging: { level: warn }\ndatabase: { url: "${databaseUrl}" }\nwebhooks:\n  - { url: "${receiver.url}" }\n${LEDGER_CONFIG}`);
  const streams: SseClient[] = [];
  let failed = true;
  try {
    await instance.start();
    const pid = instance.pid()!;
    const openOne = async () => streams.push(await openStream(instance.url, { token: TOKENS.reader }));
    for (let i = 0; i < SSE_CLIENTS; i += 1) await openOne();
    let streamedBefore = 0;

    // In this mix an action averages about 1.4 requests (a flow's step reads the flow, then most
    // write; a read or a registration is one): measured, 50 actions/s made 66 requests/s.
    const load = startLoad({ instances: [instance], rate: requestsPerSecond / 1.4, reads: 0.3, activeFlows: 100 });
    const began = Date.now();
    const samples: Sample[] = [];
    const sample = async () => {
      const rss = residentBytes(pid);
      if (rss === null) throw new Error(`cannot read the memory of process ${pid}`);
      samples.push({ minute: (Date.now() - began) / 60_000, rssMb: rss / MB, heapUsedMb: await heapUsedMb(instance.url) });
    };
    await sample();
    let requestsBefore = 0;
    while (Date.now() - began < minutes * 60_000) {
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      await sample();
      // One live-event client replaced every half minute: connecting and leaving must not leak either.
      if (samples.length % 6 === 0) {
        const leaving = streams.shift()!;
        streamedBefore += leaving.events.length;
        leaving.close();
        await openOne();
        const last = samples.at(-1)!;
        const rate = (load.figures.requests - requestsBefore) / 30;
        requestsBefore = load.figures.requests;
        process.stdout.write(`soak ${last.minute.toFixed(1)} min: RSS ${last.rssMb.toFixed(1)} MB, heap ${last.heapUsedMb?.toFixed(1) ?? '?'} MB, ${rate.toFixed(0)} requests/s\n`);
      }
    }
    await load.stop();
    const streamed = streamedBefore + streams.reduce((sum, s) => sum + s.events.length, 0);

    // V8 grows its heap for the first minutes of steady work (its old space settling at the
    // working size), and RSS with it: the slope is taken after that.
    const warmUp = Math.max(2, minutes * 0.3);
    const measured = samples.filter((s) => s.minute >= warmUp);
    const rssFit = leastSquares(measured.map((s) => ({ x: s.minute, y: s.rssMb })));
    const heapPoints = measured.filter((s) => s.heapUsedMb !== null).map((s) => ({ x: s.minute, y: s.heapUsedMb! }));
    const heapFit = heapPoints.length >= 2 ? leastSquares(heapPoints) : null;
    const serverErrors = Object.entries(load.figures.byStatus).filter(([status]) => Number(status) >= 500);
    const seconds = (Date.now() - began) / 1000;
    const lines: Array<[string, string]> = [
      ['run', `${minutes} min, one process, ${SSE_CLIENTS} live-event clients`],
      ['requests', `${load.figures.requests} (${(load.figures.requests / seconds).toFixed(0)}/s) ${JSON.stringify(load.figures.byStatus)}`],
      ['events streamed to clients', String(streamed)],
      ['RSS at start / end', `${samples[0]!.rssMb.toFixed(1)} MB / ${samples.at(-1)!.rssMb.toFixed(1)} MB`],
      ['RSS slope after warm-up', `${rssFit.slope.toFixed(2)} ± ${(2 * rssFit.slopeError).toFixed(2)} MB/min over ${measured.length} samples from minute ${warmUp.toFixed(1)} (residual ${rssFit.residualSd.toFixed(1)} MB; bound ${maxSlope} MB/min)`],
      ['heap used slope after warm-up', heapFit ? `${heapFit.slope.toFixed(2)} ± ${(2 * heapFit.slopeError).toFixed(2)} MB/min (residual ${heapFit.residualSd.toFixed(1)} MB)` : 'n/a'],
    ];
    const width = Math.max(...lines.map(([label]) => label.length));
    process.stdout.write(`\n── soak ──\n${lines.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')}\n`);
    process.stdout.write(`SOAK ${JSON.stringify({ minutes, requests: load.figures.requests, byStatus: load.figures.byStatus, samples, rssSlope: rssFit.slope, rssSlopeError: rssFit.slopeError, heapSlope: heapFit?.slope ?? null, heapSlopeError: heapFit?.slopeError ?? null, maxSlope })}\n`);

    expect(serverErrors, `5xx: ${load.figures.serverErrors.join('\n')}`).toEqual([]);
    expect(rssFit.slope - 2 * rssFit.slopeError, 'RSS slope after warm-up less twice its standard error, MB/min').toBeLessThanOrEqual(maxSlope);
    failed = false;
  } finally {
    for (const s of streams) s.close();
    await instance.kill();
    await receiver.close();
    await dropTestDatabase(databaseUrl);
    if (failed) process.stdout.write(`instance log kept in ${dir}\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}, (minutes * 60 + 300) * 1000);

/** The V8 heap in use from the process's /metrics (`deploydb_nodejs_heap_size_used_bytes`), in MB (null when absent). */
async function heapUsedMb(url: string): Promise<number | null> {
  const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text(), () => '');
  const match = text.match(/^(?:deploydb_)?nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([\d.e+]+)$/m);
  return match ? Number(match[1]) / MB : null;
}
