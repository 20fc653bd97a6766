// The floor: the fastest plausible server for the routes DeployDB is measured on. Bare Hono, a
// `pg` pool of 10, one named prepared statement per request (servers/floorStatements.mjs) over
// the floor's own tables (servers/floorSchema.mjs), its rows shaped into the JSON DeployDB answers
// (servers/floorShapes.mjs). It checks no more than the names in the path.
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import pg from 'pg';
import { FLOOR_SCHEMA } from './floorSchema.mjs';
import { FLOOR_SESSION, FLOOR_STATEMENTS } from './floorStatements.mjs';
import * as shapes from './floorShapes.mjs';
import { ENVIRONMENTS, SERVICES } from '../seed/model.mjs';

// Timestamps stay PostgreSQL's text, in UTC, for floorShapes.isoOf. Each statement is planned
// once per connection (generic plans, `FLOOR_SESSION`): left to choose, PostgreSQL would plan the
// statements that take an array anew on every call. Idle connections stay open, as DeployDB's do:
// the floor waits idle through DeployDB's rounds, and would otherwise open its pool again in each
// of its own.
const TIMESTAMPTZ = 1184;
const types = { getTypeParser: (oid, format) => (oid === TIMESTAMPTZ ? (text) => text : pg.types.getTypeParser(oid, format)) };
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, idleTimeoutMillis: 0, types, options: FLOOR_SESSION });
await pool.query(FLOOR_SCHEMA);

/** What a registration starts: the module of the registration benchmark's one service (servers/deploydb.mjs). */
const FLOWS = { 'com.bench:app': { service: 'bench', pipeline: 'devtoprod', environment: 'dev' } };
const environments = new Set(ENVIRONMENTS);
const services = new Set(SERVICES);

const run = async (name, values) => (await pool.query({ name, text: FLOOR_STATEMENTS[name], values })).rows;
const error = (c, status, code, message) => c.json({ error: { code, message, details: [] } }, status);

/** `?at=` in the past as ISO-8601 text; absent or in the future (which answers as now): null; malformed: undefined. */
function pastAt(at) {
  if (at === undefined) return null;
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return undefined;
  return date.getTime() < Date.now() ? date.toISOString() : null;
}

const app = new Hono();

app.post('/api/artifacts', async (c) => {
  const input = await c.req.json();
  const flow = FLOWS[`${input.group}:${input.name}`];
  if (!flow) return error(c, 404, 'no_service', 'no service lists this module');
  let row;
  try {
    [row] = await run('register', [input.group, input.name, input.version, input.sourceUrl, input.revision ?? null, input.committedAt ?? null]);
  } catch (e) {
    if (e.code === '23505') return error(c, 409, 'already_exists', 'this artifact is registered already');
    throw e;
  }
  // One row stands for the registration: its id is also the flow's and the first deployment's.
  const createdAt = shapes.isoOf(row.created_at);
  const artifact = {
    id: row.id,
    group: input.group,
    name: input.name,
    version: input.version,
    sourceUrl: input.sourceUrl,
    revision: input.revision ?? null,
    committedAt: input.committedAt ?? null,
    createdAt,
  };
  const deployment = {
    id: row.id,
    flowId: row.id,
    artifact,
    service: flow.service,
    pipeline: flow.pipeline,
    environment: flow.environment,
    status: 'CREATED',
    kind: 'flow',
    reason: null,
    promotions: [],
    statusAt: createdAt,
    createdAt,
    updatedAt: createdAt,
  };
  const started = { id: row.id, artifact, service: flow.service, pipeline: flow.pipeline, status: 'RUNNING', deployments: [deployment], createdAt, updatedAt: createdAt };
  return c.json({ ...artifact, flows: [started] }, 201, { location: `/api/artifacts/${row.id}` });
});

app.get('/api/environments/:name/services', async (c) => {
  const environment = c.req.param('name');
  if (!environments.has(environment)) return error(c, 404, 'not_found', 'no such environment');
  const at = pastAt(c.req.query('at'));
  if (at === undefined) return error(c, 400, 'bad_request', 'at is not an ISO-8601 time');
  const rows = at ? await run('currentInEnvironmentAt', [environment, SERVICES, at]) : await run('currentInEnvironment', [environment, SERVICES]);
  return c.json(shapes.currentInEnvironment(rows));
});

app.get('/api/services/:name/environments', async (c) => {
  const service = c.req.param('name');
  if (!services.has(service)) return error(c, 404, 'not_found', 'no such service');
  const at = pastAt(c.req.query('at'));
  if (at === undefined) return error(c, 400, 'bad_request', 'at is not an ISO-8601 time');
  const rows = at ? await run('serviceAcrossEnvironmentsAt', [service, ENVIRONMENTS, at]) : await run('serviceAcrossEnvironments', [service, ENVIRONMENTS]);
  return c.json(shapes.serviceAcrossEnvironments(rows, ENVIRONMENTS));
});

app.get('/api/services/:name/environments/:env/history', async (c) => {
  const service = c.req.param('name');
  const environment = c.req.param('env');
  if (!services.has(service) || !environments.has(environment)) return error(c, 404, 'not_found', 'no such service or environment');
  const limit = Number(c.req.query('limit') ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) return error(c, 400, 'bad_request', 'limit is 1..500');
  return c.json(shapes.history(await run('history', [service, environment, limit]), limit));
});

app.get('/api/environments/:a/diff/:b', async (c) => {
  const a = c.req.param('a');
  const b = c.req.param('b');
  if (!environments.has(a) || !environments.has(b)) return error(c, 404, 'not_found', 'no such environment');
  const at = pastAt(c.req.query('at'));
  if (at === undefined) return error(c, 400, 'bad_request', 'at is not an ISO-8601 time');
  const rows = at ? await run('diffAt', [a, b, SERVICES, at]) : await run('diff', [a, b, SERVICES]);
  return c.json(shapes.diff(rows, SERVICES));
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
