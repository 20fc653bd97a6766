import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import manual from '../plugins/promotion-manual/src/index.js';
import { POSTGRES, servicesAvailable, startTestKernel, type TestKernel } from '@deploydb/core/testing';
import { ENVIRONMENTS, READS_CONFIG, SERVICES, seedDeploydb, seedFloor, seedPlan } from '../bench/seed/index.mjs';
import { compareAnswers } from '../bench/sameAnswer.mjs';
import { freshDatabase, startServer } from '../bench/support.mjs';
import { apiOf } from './support/apiHelpers.js';
import { expectProjectionMatchesScan, scanDeployments } from './support/placementOracle.js';

/**
 * The read benchmarks' seed (bench/seed): written straight into DeployDB's tables, it must be a
 * history DeployDB itself could have recorded, projection included, and the floor must hold the
 * same history, or the figures compare unlike things.
 */
describe.runIf(await servicesAvailable(POSTGRES))('the read benchmarks seed', () => {
  const plan = seedPlan(1000);
  let t: TestKernel;
  let floorDatabase: Awaited<ReturnType<typeof freshDatabase>>;
  let floor: Awaited<ReturnType<typeof startServer>>;
  let written: { deploydb: Record<string, number>; floor: Record<string, number> };

  async function seed(url: string, write: (client: pg.Client) => Promise<Record<string, number>>) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await write(client);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    t = await startTestKernel({ config: READS_CONFIG, database: 'postgres', plugins: { '@deploydb/promotion-manual': manual } });
    floorDatabase = await freshDatabase();
    written = {
      deploydb: await seed(t.databaseUrl!, (client) => seedDeploydb(client, plan)),
      floor: await seed(floorDatabase.url, (client) => seedFloor(client, plan)),
    };
    floor = await startServer('./servers/floor.mjs', { DATABASE_URL: floorDatabase.url });
  }, 120_000);

  afterAll(async () => {
    await floor?.stop();
    await floorDatabase?.drop();
    await t?.destroy();
  });

  it('stores the size asked for: a plausible history of every service in every environment, in time order', async () => {
    const all = await scanDeployments(t);
    expect(all).toHaveLength(1000);
    expect(written.deploydb.deployment).toBe(1000);
    expect(written.floor.floor_deployment).toBe(1000);
    const count = (keep: (d: (typeof all)[number]) => boolean) => all.filter(keep).length;
    expect(count((d) => d.status === 'VERIFIED')).toBeGreaterThan(700);
    expect(count((d) => d.status === 'FAILED' && d.completedAt === null)).toBeGreaterThan(0);
    expect(count((d) => d.status === 'FAILED' && d.completedAt !== null)).toBeGreaterThan(0);
    expect(count((d) => d.status === 'CREATED' || d.status === 'STARTED')).toBeGreaterThan(0);
    expect(count((d) => d.kind === 'flow' && d.status === 'COMPLETED')).toBeGreaterThan(0);
    expect(count((d) => d.kind === 'rollback')).toBeGreaterThan(0);
    expect(count((d) => d.kind === 'manual')).toBeGreaterThan(0);
    for (const service of SERVICES) {
      for (const environment of ENVIRONMENTS) expect(count((d) => d.service === service && d.environment === environment), `${service} in ${environment}`).toBeGreaterThan(0);
    }
    const byId = [...all].sort((a, b) => a.id - b.id);
    for (let i = 1; i < byId.length; i++) expect(byId[i]!.createdAt).toBeGreaterThanOrEqual(byId[i - 1]!.createdAt);
    expect(Math.max(...all.map((d) => Math.max(d.createdAt, d.completedAt ?? 0, d.failedAt ?? 0)))).toBeLessThan(Date.now());
  });

  it('gives the busiest service a full first page of history in prod at the smallest size, like the larger ones', async () => {
    const page = await apiOf(t).get('/api/services/billing/environments/prod/history');
    expect(page.items).toHaveLength(50);
    expect(page.nextCursor).not.toBeNull();
  });

  it('keeps the placement projection that DeployDB would have kept for the same history', async () => {
    const pairs = ['billing', 'checkout', 'search'].map((service) => ({ service, environments: ENVIRONMENTS }));
    const checks = await expectProjectionMatchesScan(t, apiOf(t), pairs, Date.now());
    expect(checks).toBeGreaterThan(100);
  }, 120_000);

  it('gives the floor the same history: it answers every read route as DeployDB does, now and at past moments', async () => {
    const all = await scanDeployments(t);
    // Moments inside deployments' flights, at and just after completions and failures, and now.
    const moments = new Set<number | null>([null, plan.midway.getTime()]);
    for (const d of all.filter((_, i) => i % 41 === 0)) {
      moments.add(d.createdAt + 5000);
      if (d.completedAt !== null) moments.add(d.completedAt).add(d.completedAt + 1);
      if (d.failedAt !== null) moments.add(d.failedAt);
    }
    const paths: string[] = [];
    for (const moment of moments) {
      const at = moment === null ? '' : `?at=${new Date(moment).toISOString()}`;
      for (const environment of ENVIRONMENTS) paths.push(`/api/environments/${environment}/services${at}`);
      for (const service of SERVICES) paths.push(`/api/services/${service}/environments${at}`);
      paths.push(`/api/environments/preprod/diff/prod${at}`, `/api/environments/dev/diff/integ${at}`);
    }
    for (const service of SERVICES) for (const environment of ENVIRONMENTS) paths.push(`/api/services/${service}/environments/${environment}/history`);

    let inFlightThen = 0;
    for (const path of paths) {
      const { same, deploydb, floor: floorAnswer } = await compareAnswers(t.url!, floor.url, path);
      expect(same, `${path}\nDeployDB: ${JSON.stringify(deploydb)}\nfloor:    ${JSON.stringify(floorAnswer)}`).toBe(true);
      expect(deploydb.status, path).toBe(200);
      if (path.includes('/environments?at=')) inFlightThen += deploydb.body.filter((item: { inFlight: unknown }) => item.inFlight !== null).length;
    }
    expect(inFlightThen).toBeGreaterThan(10);
  }, 120_000);

  it('refuses a size that is not a whole number of blocks of 50, or too small for a block of every service', () => {
    expect(() => seedPlan(1010)).toThrow(/multiple of 50/);
    expect(() => seedPlan(550)).toThrow(/at least 600/);
  });
});
