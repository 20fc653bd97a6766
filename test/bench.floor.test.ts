import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES, servicesAvailable } from '@deploydb/core/testing';
import { freshDatabase, startServer } from '../bench/support.mjs';

type Database = Awaited<ReturnType<typeof freshDatabase>>;
type Server = Awaited<ReturnType<typeof startServer>>;

/** The keys of a JSON value at every depth, with the kind of each leaf: what "the same shape" means. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  return value === null ? 'null' : typeof value;
}

/**
 * The registration floor (bench/servers/floor.mjs) answers a registration as DeployDB does, in
 * shape and in what it says, and refuses what DeployDB refuses: otherwise the registration
 * benchmark compares unlike work.
 */
describe.runIf(await servicesAvailable(POSTGRES))('the registration floor', () => {
  const databases: Database[] = [];
  let deploydb: Server;
  let floor: Server;

  beforeAll(async () => {
    databases.push(await freshDatabase(), await freshDatabase());
    [deploydb, floor] = await Promise.all([
      startServer('./servers/deploydb.mjs', { DATABASE_URL: databases[0]!.url }),
      startServer('./servers/floor.mjs', { DATABASE_URL: databases[1]!.url }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await deploydb?.stop();
    await floor?.stop();
    for (const database of databases) await database.drop();
  });

  const register = async (server: Server, body: unknown) => {
    const response = await fetch(`${server.url}/api/artifacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, location: response.headers.get('location'), body: (await response.json()) as any };
  };

  it('answers 201 with the artifact and the flow it started, shaped as DeployDB answers it', async () => {
    const body = { group: 'com.bench', name: 'app', version: '1.0.0', sourceUrl: 'https://ci.bench.test/app', revision: 'a1b2c3', committedAt: '2026-01-02T03:04:05.000Z' };
    const [mine, floors] = await Promise.all([register(deploydb, body), register(floor, body)]);
    expect(floors.status).toBe(201);
    expect(mine.status).toBe(201);
    expect(floors.location).toBe(`/api/artifacts/${floors.body.id}`);
    expect(shapeOf(floors.body)).toEqual(shapeOf(mine.body));
    const said = (answer: any) => {
      const flow = answer.flows[0];
      const deployment = flow.deployments[0];
      return {
        artifact: { ...answer, id: undefined, createdAt: undefined, flows: undefined },
        flow: { service: flow.service, pipeline: flow.pipeline, status: flow.status },
        deployment: { service: deployment.service, pipeline: deployment.pipeline, environment: deployment.environment, status: deployment.status, kind: deployment.kind, promotions: deployment.promotions },
      };
    };
    expect(said(floors.body)).toEqual(said(mine.body));
  });

  it('refuses a second registration of the same version (409) and a module no service lists (404), as DeployDB does', async () => {
    const body = { group: 'com.bench', name: 'app', version: '2.0.0', sourceUrl: 'https://ci.bench.test/app' };
    for (const server of [deploydb, floor]) expect((await register(server, body)).status).toBe(201);
    for (const server of [deploydb, floor]) {
      const again = await register(server, body);
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('already_exists');
      const unlisted = await register(server, { ...body, name: 'unlisted' });
      expect(unlisted.status).toBe(404);
      expect(unlisted.body.error.code).toBe('no_service');
    }
  });
});
