// The floor: a bare Hono route doing one INSERT with `pg`, the least any registration can cost.
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(`create table if not exists floor_artifact (
  id serial primary key, artifact_group text not null, name text not null, version text not null,
  source_url text not null, created_at timestamptz not null default now(), unique (artifact_group, name, version))`);

const app = new Hono();
app.post('/api/artifacts', async (c) => {
  const body = await c.req.json();
  const { rows } = await pool.query(
    'insert into floor_artifact (artifact_group, name, version, source_url) values ($1, $2, $3, $4) returning id, created_at',
    [body.group, body.name, body.version, body.sourceUrl],
  );
  return c.json({ id: rows[0].id, ...body, createdAt: rows[0].created_at }, 201);
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
