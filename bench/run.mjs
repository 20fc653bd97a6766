#!/usr/bin/env node
// `npm run bench`: DeployDB against a floor measured in the same run, figures printed as JSON.
// Needs PostgreSQL (DEPLOYDB_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres).
import { registrations } from './registrations.mjs';
import { triggerLatency } from './triggerLatency.mjs';
import { webhookDeliveries } from './webhookDeliveries.mjs';

const only = process.argv[2];
const suites = { registrations, triggerLatency, webhookDeliveries };
const results = {};
for (const [name, run] of Object.entries(suites)) {
  if (only && only !== name) continue;
  results[name] = await run();
  process.stdout.write(`${JSON.stringify({ [name]: results[name] }, null, 2)}\n`);
}
