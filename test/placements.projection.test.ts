import { describe, expect, it } from 'vitest';
import manual from '../plugins/promotion-manual/src/index.js';
import { ManualClock, startTestKernel } from '@deploydb/core/testing';
import { apiOf, type Api } from './support/apiHelpers.js';
import { databaseModes } from './support/fixtures.js';
import { expectProjectionMatchesScan } from './support/placementOracle.js';
import { TIME_CONFIG } from './support/timeLedger.js';

/** The services of TIME_CONFIG these runs use, with the environments of their pipelines. */
const PAIRS = [
  { service: 'web', environments: ['dev', 'prod'] },
  { service: 'api', environments: ['dev', 'prod'] },
  { service: 'jobs', environments: ['dev', 'staging', 'prod'] },
];

/** A small deterministic random source. */
function randomSource(seed: number) {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return { next, pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]! };
}

interface Known {
  artifacts: Array<{ id: number; service: string }>;
  deployments: Array<{ id: number; service: string; environment: string }>;
}

/** One random command of the ledger, as CI, a deployer or an approver would send it; refusals are fine. */
async function randomCommand(api: Api, random: ReturnType<typeof randomSource>, known: Known): Promise<void> {
  const roll = random.next();
  const { service, environments } = random.pick(PAIRS);
  if (roll < 0.22 || known.artifacts.length === 0) {
    const body = { group: 'com.acme', name: service, version: `${known.artifacts.length}.${Math.floor(random.next() * 1e9)}`, sourceUrl: 'https://ci.test/x' };
    const response = await api.send('ci', 'POST', '/api/artifacts', body);
    expect(response.status).toBe(201);
    known.artifacts.push({ id: response.body.id, service });
    for (const d of response.body.flows[0].deployments) known.deployments.push(d);
    return;
  }
  if (roll < 0.7 && known.deployments.length > 0) {
    const target = random.pick(known.deployments);
    const status = random.pick(['STARTED', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'FAILED']);
    const response = await api.send('ci', 'PATCH', `/api/deployments/${target.id}`, { status });
    expect([200, 409]).toContain(response.status);
    if (response.status === 200) await learnFlow(api, response.body, known);
    return;
  }
  if (roll < 0.8) {
    const target = random.pick(known.deployments.filter((d) => d.service === 'api' && d.environment === 'prod').concat(known.deployments[0]!));
    const status = random.next() < 0.7 ? 'SUCCESS' : 'FAILED';
    const response = await api.send('alice', 'POST', `/api/deployments/${target.id}/promotions`, { name: 'go-live', status, reason: 'judged' });
    expect([201, 404, 409]).toContain(response.status);
    return;
  }
  if (roll < 0.93) {
    const artifact = random.pick(known.artifacts.filter((a) => a.service === service).concat(known.artifacts[0]!));
    const body = {
      service: artifact.service,
      environment: random.pick(PAIRS.find((p) => p.service === artifact.service)!.environments),
      artifactId: artifact.id,
      kind: random.pick(['hotfix', 'manual', 'rollback']),
      status: random.pick(['CREATED', 'STARTED', 'COMPLETED']),
    };
    const response = await api.send('ci', 'POST', '/api/deployments', body);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    known.deployments.push(response.body);
    return;
  }
  const response = await api.send('ci', 'POST', `/api/services/${service}/environments/${random.pick(environments)}/rollback`, {});
  expect([201, 409]).toContain(response.status);
  if (response.status === 201) known.deployments.push(response.body);
}

/** Notes the next stage's deployment a report created. */
async function learnFlow(api: Api, deployment: { flowId: number | null }, known: Known): Promise<void> {
  if (deployment.flowId === null) return;
  const flow = await api.get(`/api/flows/${deployment.flowId}`);
  for (const d of flow.deployments) if (!known.deployments.some((k) => k.id === d.id)) known.deployments.push(d);
}

describe.each(await databaseModes())('the placement projection equals a full scan of the ledger (%s database)', (mode) => {
  it('after random sequences of registrations, reports, approvals, direct deployments and rollbacks, at every moment', async () => {
    const clock = new ManualClock(new Date('2026-03-01T00:00:00.000Z'));
    const t = await startTestKernel({ config: TIME_CONFIG, database: mode, clock, plugins: { '@deploydb/promotion-manual': manual } });
    try {
      const api = apiOf(t);
      const random = randomSource(mode === 'embedded' ? 7 : 11);
      const known: Known = { artifacts: [], deployments: [] };
      for (let step = 0; step < 120; step++) {
        // Some commands at the same millisecond, most a little apart.
        const gap = random.next();
        if (gap > 0.25) clock.advance(gap < 0.5 ? 0.001 : Math.ceil(gap * 90));
        await randomCommand(api, random, known);
        if (step % 40 === 39) await expectProjectionMatchesScan(t, api, PAIRS, clock.now().getTime() + 10);
      }
      clock.advance(1);
      const checks = await expectProjectionMatchesScan(t, api, PAIRS, clock.now().getTime());
      expect(checks).toBeGreaterThan(100);
    } finally {
      await t.destroy();
    }
  }, 240_000);

  it('under concurrent commands on the real clock', async () => {
    const t = await startTestKernel({ config: TIME_CONFIG, database: mode, plugins: { '@deploydb/promotion-manual': manual } });
    try {
      const api = apiOf(t);
      const random = randomSource(mode === 'embedded' ? 3 : 5);
      const known: Known = { artifacts: [], deployments: [] };
      for (let round = 0; round < 12; round++) {
        await Promise.all(Array.from({ length: 12 }, () => randomCommand(api, random, known)));
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
      await expectProjectionMatchesScan(t, api, PAIRS, Date.now());
    } finally {
      await t.destroy();
    }
  }, 240_000);
});
