#!/usr/bin/env node
// Prints the /openapi.json document of the built core (dist/) without starting a server:
// `node core/scripts/openapi.mjs > openapi.json`. Run `npm run build` in core first.
import { describeApi } from '../dist/apiDescription.js';

process.stdout.write(`${JSON.stringify(describeApi(), null, 2)}\n`);
