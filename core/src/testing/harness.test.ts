/**
 * The harness's clocks: plugins started at a chosen time of day (or on a clock the test moves)
 * while the ledger keeps the machine's time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { definePlugin } from '../plugin-api/definePlugin.js';
import { coreServices } from '../plugin-api/coreServices.js';
import type { Clock } from '../plugin-api/clock.js';
import type { Verdict } from '../plugin-api/promotion.js';
import { startTestKernel, type TestKernel } from './harness.js';
import { ManualClock } from './manualClock.js';
import { StartingClock, clockStartingAt } from './clockStartingAt.js';

/** Passes from 08:00 UTC on; before, waits until then. Remembers the clock it was made with. */
const made: { clock: Clock | null; service: Clock | null } = { clock: null, service: null };
const businessHours = definePlugin({
  id: 'acme-business-hours',
  kind: 'promotion',
  type: 'BusinessHours',
  settingsSchema: Type.Object({}, { additionalProperties: false }),
  deps: { clock: coreServices.clock },
  create: ({ clock, deps }) => {
    made.clock = clock;
    made.service = deps.clock;
    return {
      evaluate: ({ clock: now }): Verdict => {
        const at = now.now();
        if (at.getUTCHours() >= 8) return { status: 'SUCCESS', reason: `passed at ${at.toISOString()}` };
        const eight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), 8);
        return { status: 'PENDING', reason: 'waiting until 08:00', checkAgainIn: (eight - at.getTime()) / 1000 };
      },
    };
  },
});

const CONFIG = `
plugins: [{ package: acme-business-hours }]
environments: { prod: {} }
promotions: { hours: { type: BusinessHours } }
pipelines: { main: { environments: [{ name: prod, promotions: [hours] }] } }
services: { web: { name: Web, artifacts: ["com.acme:web"], pipelines: [main] } }
`;

async function completed(t: TestKernel) {
  const registered = await t.request('POST', '/api/artifacts', { group: 'com.acme', name: 'web', version: '1.0.0', sourceUrl: 'https://ci.acme.test/web/1' });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const id = registered.body.flows[0].deployments[0].id as number;
  expect((await t.request('PATCH', `/api/deployments/${id}`, { status: 'COMPLETED' })).status).toBe(200);
  return { id, artifact: registered.body };
}

async function settled(t: TestKernel, id: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { body } = await t.request('GET', `/api/deployments/${id}`);
    if (body.status !== 'COMPLETED') return body;
    if (Date.now() > deadline) throw new Error(`deployment ${id} never settled: ${JSON.stringify(body.promotions)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Each test starts a kernel of its own: under load that alone may take most of the default 30 s.
describe('startTestKernel at a chosen time', { timeout: 90_000 }, () => {
  let t: TestKernel | undefined;
  afterEach(async () => {
    await t?.destroy();
    t = undefined;
  });

  it('starts plugins at `startAt` and lets their time run on, while the ledger keeps the real time', async () => {
    const before = Date.now();
    t = await startTestKernel({ config: CONFIG, plugins: { 'acme-business-hours': businessHours }, listen: false, startAt: '2026-03-02T07:59:59.500Z' });
    for (const clock of [made.clock!, made.service!]) {
      const seen = clock.now().getTime();
      // Held at startAt while the kernel started, however long that took.
      expect(seen).toBeGreaterThanOrEqual(Date.parse('2026-03-02T07:59:59.500Z'));
      expect(seen).toBeLessThan(Date.parse('2026-03-02T07:59:59.900Z'));
    }

    const { id, artifact } = await completed(t);
    // The ledger records the machine's time, not the plugins'.
    expect(Date.parse(artifact.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(artifact.createdAt)).toBeLessThanOrEqual(Date.now() + 1000);

    const deployment = await settled(t, id);
    expect(deployment.status).toBe('VERIFIED');
    expect(deployment.promotions[0].reason).toMatch(/^passed at 2026-03-02T08:00:/);
  });

  it('hands plugins a ManualClock the test moves; the ledger schedules the next look from what the plugin asked', async () => {
    const clock = new ManualClock('2026-03-02T07:30:00Z');
    t = await startTestKernel({ config: CONFIG, plugins: { 'acme-business-hours': businessHours }, listen: false, pluginClock: clock });
    const { id } = await completed(t);
    const deadline = Date.now() + 10_000;
    let result: any;
    do {
      result = (await t.request('GET', `/api/deployments/${id}`)).body.promotions[0];
      if (Date.now() > deadline) throw new Error(`never waited: ${JSON.stringify(result)}`);
    } while (result.reason === null);
    expect(result).toMatchObject({ status: 'STARTED', reason: 'waiting until 08:00' });
    // Asked to look again in 30 minutes of the plugin's time: that is when the ledger will ask.
    expect(Date.parse(result.nextEvaluationAt) - Date.parse(result.updatedAt)).toBe(30 * 60 * 1000);
  });
});

describe('ManualClock', () => {
  it('starts where told, moves only when told, and can be set', () => {
    const clock = new ManualClock('2026-03-02T07:59:00Z');
    expect(clock.now().toISOString()).toBe('2026-03-02T07:59:00.000Z');
    expect(clock.advance(60.5).now().toISOString()).toBe('2026-03-02T08:00:00.500Z');
    expect(clock.set(new Date('2026-03-03T00:00:00Z')).now().toISOString()).toBe('2026-03-03T00:00:00.000Z');
    expect(new ManualClock().now().toISOString()).toBe('2025-01-01T00:00:00.000Z');
  });

  it('refuses a start that is not a time', () => {
    expect(() => new ManualClock('tomorrow morning')).toThrow('not a time: tomorrow morning');
  });
});

describe('StartingClock', () => {
  it('reads its start until set going, then moves on from there', async () => {
    const clock = new StartingClock('2026-03-02T07:59:59Z');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(clock.now().toISOString()).toBe('2026-03-02T07:59:59.000Z');
    clock.go();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(clock.now().getTime() - Date.parse('2026-03-02T07:59:59Z')).toBeGreaterThanOrEqual(25);
  });
});

describe('clockStartingAt', () => {
  it('reads the chosen instant now and moves on with the machine', async () => {
    const clock = clockStartingAt('2026-03-02T07:59:59Z');
    const first = clock.now().getTime();
    expect(first - Date.parse('2026-03-02T07:59:59Z')).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(clock.now().getTime() - first).toBeGreaterThanOrEqual(25);
  });
});
