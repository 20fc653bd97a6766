import { expect } from 'vitest';
import type { TestKernel } from '@deploydb/core/testing';
import { currentAt, inFlightAt, replayTimeline, statusAt, type StatusTimes } from '../../core/src/domain/placementTimeline.js';

/** Runs one SQL statement on the ledger's database and answers its rows. */
export type SqlRows = (sql: string) => Promise<Array<Record<string, any>>>;

/** Where the oracle reads: a kernel of the test's own, or any connection to the ledger's database. */
export type LedgerSource = TestKernel | SqlRows;

/** Reads the API's answers (status 200 expected) by path. */
export interface ApiReader {
  get(path: string): Promise<any>;
}

/** Every deployment of the ledger with its status times, read by a full scan of the table. */
export async function scanDeployments(source: LedgerSource): Promise<Array<StatusTimes & { service: string; environment: string; artifactId: number; kind: string; status: string }>> {
  const sql = 'select id, service, environment, artifact_id, kind, status, created_at, started_at, completed_at, verified_at, failed_at from deployment';
  const rows = typeof source === 'function' ? await source(sql) : await source.kernel.db.em().execute<Array<Record<string, any>>>(sql);
  const ms = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).getTime());
  return rows.map((r) => ({
    id: Number(r.id),
    service: r.service,
    environment: r.environment,
    artifactId: Number(r.artifact_id),
    kind: r.kind,
    status: r.status,
    createdAt: ms(r.created_at)!,
    startedAt: ms(r.started_at),
    completedAt: ms(r.completed_at),
    verifiedAt: ms(r.verified_at),
    failedAt: ms(r.failed_at),
  }));
}

/**
 * Holds the API's answers about what runs where (now, at every moment a change happened, just
 * before it, and between) equal to what a full scan of the deployments says by the definitions
 * of domain/placementTimeline.ts; and each history equal to the replay of those definitions.
 */
export async function expectProjectionMatchesScan(t: LedgerSource, api: ApiReader, pairs: ReadonlyArray<{ service: string; environments: string[] }>, now: number): Promise<number> {
  const all = await scanDeployments(t);
  let checks = 0;
  for (const { service, environments } of pairs) {
    const times = new Set<number>([now]);
    for (const d of all.filter((x) => x.service === service)) {
      for (const at of [d.createdAt, d.completedAt, d.failedAt, d.startedAt]) {
        if (at === null) continue;
        times.add(at);
        times.add(at - 1);
        times.add(at + 1);
      }
    }
    const sorted = [...times].filter((x) => x <= now).sort((a, b) => a - b);
    // Every moment around a change is too many calls for a test: an even spread of them, and between.
    const step = Math.max(1, Math.floor(sorted.length / 60));
    const moments = sorted.filter((_, i) => i % step === 0 || i === sorted.length - 1);
    for (let i = 1; i < moments.length; i += 5) moments.push(Math.floor((moments[i - 1]! + moments[i]!) / 2));
    for (const at of moments) {
      const query = at >= now ? '' : `?at=${new Date(at).toISOString()}`;
      const answer = (await api.get(`/api/services/${service}/environments${query}`)) as any[];
      for (const environment of environments) {
        const mine = all.filter((x) => x.service === service && x.environment === environment);
        const current = currentAt(mine, at);
        const inFlight = inFlightAt(mine, at);
        const item = answer.find((x) => x.environment === environment);
        const context = `${service} in ${environment} at ${new Date(at).toISOString()}`;
        expect(item?.current?.id ?? null, `current of ${context}`).toBe(current?.id ?? null);
        expect(item?.inFlight?.id ?? null, `in flight of ${context}`).toBe(inFlight?.id ?? null);
        for (const [found, expected] of [
          [item?.current, current],
          [item?.inFlight, inFlight],
        ] as const) {
          if (!found || !expected) continue;
          const was = statusAt(expected, at)!;
          expect({ status: found.status, statusAt: found.statusAt }, `status of ${context}`).toEqual({ status: was.status, statusAt: new Date(was.since).toISOString() });
        }
        checks += 1;
      }
    }
    for (const environment of environments) {
      const mine = all.filter((x) => x.service === service && x.environment === environment);
      const changes = replayTimeline(mine).filter((c) => c.role === 'current');
      const expected = changes
        .map((c, i) => ({ deploymentId: c.deploymentId, from: new Date(c.at).toISOString(), to: changes[i + 1] ? new Date(changes[i + 1]!.at).toISOString() : null }))
        .filter((e) => e.deploymentId !== null)
        .reverse();
      const history = await api.get(`/api/services/${service}/environments/${environment}/history?limit=500`);
      const entry = (e: any) => ({ deploymentId: e.deploymentId, from: e.from, to: e.to });
      expect(history.items.map(entry), `history of ${service} in ${environment}`).toEqual(expected);
      // Page by page, two entries at a time: each page's first entry ends where the one before it began.
      const paged: unknown[] = [];
      for (let cursor: string | null = null, pages = 0; pages === 0 || cursor !== null; pages += 1) {
        const page: any = await api.get(`/api/services/${service}/environments/${environment}/history?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        paged.push(...page.items.map(entry));
        cursor = page.nextCursor;
      }
      expect(paged, `history of ${service} in ${environment}, two at a time`).toEqual(expected);
      checks += 1;
    }
  }
  return checks;
}
