#!/usr/bin/env node
// `npm run bench`: DeployDB against floors measured in the same run, figures printed as JSON, one
// object per suite. `npm run bench -- reads --sizes 1000,100000 --routes history,diff` runs part.
// Needs PostgreSQL (DEPLOYDB_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres)
// and pgbench; NATS for triggerLatency.
import { parseArgs } from 'node:util';
import { registrations } from './registrations.mjs';
import { READ_SIZES, reads } from './reads.mjs';
import { READ_ROUTE_NAMES } from './readRoutes.mjs';
import { triggerLatency } from './triggerLatency.mjs';
import { webhookDeliveries } from './webhookDeliveries.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { sizes: { type: 'string' }, routes: { type: 'string' } },
});
const list = (text) => text.split(',').map((x) => x.trim()).filter(Boolean);
const sizes = values.sizes ? list(values.sizes).map(Number) : READ_SIZES;
const routes = values.routes ? list(values.routes) : READ_ROUTE_NAMES;
const unknownRoutes = routes.filter((r) => !READ_ROUTE_NAMES.includes(r));
if (unknownRoutes.length) throw new Error(`unknown read routes ${unknownRoutes.join(', ')}; known: ${READ_ROUTE_NAMES.join(', ')}`);

const suites = { registrations, reads: () => reads({ sizes, routes }), triggerLatency, webhookDeliveries };
const unknown = positionals.filter((name) => !(name in suites));
if (unknown.length) throw new Error(`unknown suites ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}`);
for (const [name, run] of Object.entries(suites)) {
  if (positionals.length && !positionals.includes(name)) continue;
  process.stdout.write(`${JSON.stringify({ [name]: await run() }, null, 2)}\n`);
}
