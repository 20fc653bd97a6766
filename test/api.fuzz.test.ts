import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKernel } from '@deploydb/core/testing';
import { apiOf, toProd } from './support/apiHelpers.js';
import { describeRequest, operationsOf, RequestGenerator, type ApiOperation, type FuzzRequest, type Sender } from './support/apiFuzz.js';
import { documentValidator } from './support/documentSchemas.js';
import { TOKENS, databaseModes, startLedger } from './support/fixtures.js';

/*
 * Property-based fuzz of the whole HTTP API, generated from the /openapi.json it serves. In
 * `npm test` it runs a bounded number of requests from a fixed seed; `npm run fuzz` runs many
 * more from a random seed. Replay a run with FUZZ_SEED (and FUZZ_RUNS).
 */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 424242;
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 200;
/** A request not answered within this is a hang. */
const REQUEST_TIMEOUT_MS = 10_000;
const PHASE_TIMEOUT_MS = 120_000 + RUNS * 1_000;

/** The roles of each test token, as the server expands them (read comes with every role, admin has all). */
const ROLES: Record<string, string[]> = {
  [TOKENS.ci]: ['read', 'ci'],
  [TOKENS.alice]: ['read', 'approver'],
  [TOKENS.carol]: ['read', 'approver'],
  [TOKENS.reader]: ['read'],
  [TOKENS.ops]: ['read', 'ci', 'approver', 'admin'],
};

/** Tables a refused request must leave as they were. */
const LEDGER_TABLES = ['artifact', 'flow', 'deployment', 'promotion_result', 'promotion_report', 'placement_change', 'outbox_event', 'trigger_receipt'];
/** What Node's HTTP parser takes of request line and headers; beyond it the app never sees the request. */
const NODE_MAX_HEADER_BYTES = 16 * 1024;
const ERROR_KEYS = new Set(['code', 'message', 'details', 'existingId']);

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** Sends one request as generated, byte for byte; rejects when no answer comes in time. */
function send(base: string, request: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = request.body === null ? undefined : Buffer.from(request.body);
    const outgoing = http.request(
      `${base}${request.url}`,
      { method: request.method, agent, headers: { ...request.headers, ...(body ? { 'content-length': String(body.length) } : {}) } },
      (response) => {
        if (String(response.headers['content-type']).startsWith('text/event-stream')) {
          // A live stream answers at once and never ends: its status and headers are the answer.
          resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type']), text: '' });
          outgoing.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    outgoing.setTimeout(REQUEST_TIMEOUT_MS, () => outgoing.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function rowCounts(t: TestKernel): Promise<string> {
  const [row] = await t.kernel.db.sql<Record<string, unknown>>(`select ${LEDGER_TABLES.map((table) => `(select count(*) from ${table})::text as ${table}`).join(', ')}`);
  return JSON.stringify(row);
}

/** What is wrong with the body of a non-2xx answer, measured against CONTRACT §4's error shape. */
function errorShapeProblems(answer: Answer, codes: readonly string[]): string[] {
  if (!/^application\/json/.test(answer.contentType)) return [`content-type "${answer.contentType}" is not JSON`];
  let body: any;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return ['the body is not JSON'];
  }
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null || Object.keys(body).join() !== 'error') return ['the body is not exactly {error}'];
  const { error } = body;
  if (typeof error !== 'object' || error === null) return ['error is not an object'];
  for (const key of Object.keys(error)) if (!ERROR_KEYS.has(key)) problems.push(`unexpected error.${key}`);
  if (!codes.includes(error.code)) problems.push(`error.code ${JSON.stringify(error.code)} is not a contract code`);
  if (typeof error.message !== 'string' || error.message.length === 0) problems.push('error.message is not a sentence');
  if (!Array.isArray(error.details)) problems.push('error.details is not an array');
  else {
    for (const detail of error.details) {
      if (typeof detail !== 'object' || detail === null || Object.keys(detail).sort().join() !== 'message,path' || typeof detail.path !== 'string' || typeof detail.message !== 'string') {
        problems.push(`a detail is not {path, message}: ${JSON.stringify(detail)?.slice(0, 200)}`);
      }
    }
  }
  if (/\bat .+\.(ts|js):\d+/.test(answer.text)) problems.push('the body holds a stack trace');
  return problems;
}

/** The roles of the operation's caller when auth is on: null for nobody or an unknown token. */
function rolesOf(sender: Sender): string[] | null {
  if (sender === null || 'header' in sender) return null;
  return ROLES[sender.token] ?? null;
}

interface Phase {
  t: TestKernel;
  doc: any;
  asyncapi: any;
  authEnabled: boolean;
  senders: Sender[];
}

/** Sends `RUNS` generated requests and checks each answer against the contract's promises. */
async function fuzz({ t, doc, asyncapi, authEnabled, senders }: Phase): Promise<Record<string, number>> {
  const operations = operationsOf(doc);
  const check = documentValidator(doc);
  const roles = new Map(operations.map((operation) => [operation.operationId, rolesNeeded(doc, operation)]));
  const codes: string[] = doc.components.schemas.ErrorObject.properties.code.anyOf.map((c: { const: string }) => c.const);
  const triggerEnvelopes = Object.keys(asyncapi.components.schemas)
    .filter((name) => name.endsWith('Trigger'))
    .map((name) => ({ $ref: `#/components/schemas/${name}` }));
  const generator = new RequestGenerator({ components: { schemas: { ...asyncapi.components.schemas, ...doc.components.schemas } } }, {
    vocabulary: VOCABULARY,
    senders,
    // The documented trigger body is deliberately loose (the trigger service checks each event): generate real triggers.
    bodySchemas: { sendTriggers: { anyOf: [{ anyOf: triggerEnvelopes }, { type: 'array', items: { anyOf: triggerEnvelopes }, maxItems: 3 }] } },
  });
  const statuses: Record<string, number> = {};
  // Named in a failure: on a kept-alive connection, one request's answer can depend on the one before.
  let previous = '(none)';
  // Requests go one at a time and nothing else writes meanwhile: the counts after one request are those before the next.
  let counts = await rowCounts(t);
  const property = fc.asyncProperty(generator.requests(operations), async (request) => {
    const before = counts;
    const answer = await send(t.url!, request).catch((error: Error) => ({ status: -1, contentType: '', text: error.message }));
    const after = await rowCounts(t);
    counts = after;
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    const problems = answerProblems(request, answer, { before, after, codes, check, authEnabled, roles });
    const preceding = previous;
    previous = `${describeRequest(request)} → ${answer.status}`;
    if (problems.length > 0) {
      throw new Error(`after ${preceding}\n${describeRequest(request)}\n  answered ${answer.status} ${answer.text.slice(0, 500)}\n  - ${problems.join('\n  - ')}`);
    }
  });
  await fc.assert(property, { seed: SEED, numRuns: RUNS, endOnFailure: false });
  console.log(`api fuzz, auth ${authEnabled ? 'on' : 'off'}: answers by status ${JSON.stringify(statuses)}`);
  return statuses;
}

function answerProblems(
  request: FuzzRequest,
  answer: Answer,
  context: { before: string; after: string; codes: string[]; check: ReturnType<typeof documentValidator>; authEnabled: boolean; roles: Map<string, string[] | 'public'> },
): string[] {
  if (answer.status === -1) return [`no answer: ${answer.text}`];
  const problems: string[] = [];
  const { operation } = request;
  if (answer.status >= 500) problems.push(`a ${answer.status}`);
  const ok = answer.status >= 200 && answer.status < 300;
  // A route may document an answer that is not JSON (the dashboard's page when it is not built): that one is not an API error.
  const documentedOtherwise = routeMatchedFor(request) && operation.responses[String(answer.status)] === null;
  if (!ok && request.method !== 'HEAD' && !documentedOtherwise) problems.push(...errorShapeProblems(answer, context.codes));
  if (!ok && context.before !== context.after) problems.push(`a refused request changed the ledger: ${context.before} → ${context.after}`);
  const routeMatched = routeMatchedFor(request);
  if (routeMatched && !(String(answer.status) in operation.responses)) problems.push(`${answer.status} is not among the documented answers (${Object.keys(operation.responses).join(', ')})`);
  if (routeMatched && ok) problems.push(...responseSchemaProblems(operation, answer, context.check));
  if (routeMatched && context.authEnabled && request.strategy !== 'oversize') {
    const roles = context.roles.get(operation.operationId)!;
    if (roles !== 'public') {
      const callerRoles = rolesOf(request.sender);
      if (callerRoles === null && answer.status !== 401) problems.push(`no valid token, yet answered ${answer.status} (not 401)`);
      else if (callerRoles !== null && !roles.some((r) => callerRoles.includes(r)) && answer.status !== 403) problems.push(`role lacking (${roles.join(', ')} needed), yet answered ${answer.status} (not 403)`);
    }
  }
  return problems;
}

/** Whether the request reached its operation's route: right method, a path made of valid values, a request Node's parser took. */
function routeMatchedFor(request: FuzzRequest): boolean {
  const headBytes = request.url.length + Object.entries(request.headers).reduce((sum, [k, v]) => sum + k.length + v.length + 4, 0);
  return request.strategy !== 'method' && request.strategy !== 'path' && headBytes < NODE_MAX_HEADER_BYTES - 1024;
}

/** The roles an operation needs, from the document: `x-roles`, or none for one with `security: []`. */
function rolesNeeded(doc: any, operation: ApiOperation): string[] | 'public' {
  const described = doc.paths[operation.path][operation.method.toLowerCase()];
  return described.security?.length === 0 ? 'public' : described['x-roles'];
}

function responseSchemaProblems(operation: ApiOperation, answer: Answer, check: ReturnType<typeof documentValidator>): string[] {
  const schema = operation.responses[String(answer.status)];
  if (!schema || answer.status === 204 || answer.contentType.startsWith('text/event-stream')) return [];
  if (!/^application\/json/.test(answer.contentType)) return [`a ${answer.status} documented as JSON came as "${answer.contentType}"`];
  const errors = check(schema, JSON.parse(answer.text));
  return errors.length > 0 ? [`the ${answer.status} body does not match its documented schema: ${errors.join('; ')}`] : [];
}

const ENVIRONMENTS = ['dev', 'integ', 'preprod', 'prod'];
const IDS = Array.from({ length: 15 }, (_, i) => i + 1);
/** Names and values of the test configuration and of the rows made before fuzzing, so that valid requests reach real things. */
const VOCABULARY: Record<string, ReadonlyArray<string | number>> = {
  service: ['faas', 'billing', 'nope'],
  environment: [...ENVIRONMENTS, 'nope'],
  env: ENVIRONMENTS,
  a: ENVIRONMENTS,
  b: ENVIRONMENTS,
  name: [...ENVIRONMENTS, 'faas', 'billing', 'devtoprod', 'hotfix', 'pair-review', 'go-live', 'foas', 'puppet-foas'],
  promotion: ['pair-review', 'go-live'],
  group: ['com.acme'],
  version: ['1.0.0', '1.0.1', '2.0.0'],
  module: ['com.acme:foas', 'com.acme:billing', 'com.acme:puppet-foas', 'com.acme:nothing'],
  q: ['foas', '1.0', 'acme'],
  cursor: [Buffer.from('p1').toString('base64url'), Buffer.from('p5').toString('base64url')],
  source: ['ci', 'jenkins'],
  id: [...IDS, 't1', 't2', 't3'],
  resultId: IDS,
  artifactId: IDS,
  artifact: IDS,
  to: IDS,
  // Registrations that start flows: a listed module in a new version
  'registerArtifact.name': ['foas', 'puppet-foas', 'billing'],
  'registerArtifact.version': [],
};

describe.each(await databaseModes())('the HTTP API, fuzzed from its own /openapi.json (%s database)', (mode) => {
  let t: TestKernel;
  beforeAll(async () => {
    t = await startLedger(mode);
    const api = apiOf(t);
    await api.register('com.acme:foas', { version: '1.0.0' });
    await api.register('com.acme:billing', { version: '1.0.0' });
    const { prod } = await toProd(api);
    await api.report(prod.id, 'COMPLETED');
    console.log(`api fuzz (${mode}): seed ${SEED}, ${RUNS} requests per phase (replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`);
  });
  afterAll(async () => {
    agent.destroy();
    await t?.destroy();
  });

  const load = async (authEnabled: boolean, senders: Sender[]): Promise<Phase> => {
    const doc = (await t.request('GET', '/openapi.json')).body;
    const asyncapi = (await t.request('GET', '/asyncapi.json')).body;
    return { t, doc, asyncapi, authEnabled, senders };
  };

  it(
    'auth on, with a token of each role, none or a wrong one: no 5xx, no hang, errors in the contract shape, refused requests store nothing',
    async () => {
      const senders: Sender[] = [...Object.keys(ROLES).map((token) => ({ token })), null];
      const statuses = await fuzz(await load(true, senders));
      expect(Object.keys(statuses).length, `a spread of answers: ${JSON.stringify(statuses)}`).toBeGreaterThan(3);
    },
    PHASE_TIMEOUT_MS,
  );

  it(
    'auth off: the same promises',
    async () => {
      const file = path.join(t.dir, 'deploydb.yaml');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^auth:\n(?: .*\n)+/m, ''));
      await t.kernel.reload();
      const phase = await load(false, [null]);
      expect(phase.doc.security).toEqual([]);
      const statuses = await fuzz(phase);
      expect(Object.keys(statuses).some((s) => s.startsWith('2')), `some requests succeed: ${JSON.stringify(statuses)}`).toBe(true);
    },
    PHASE_TIMEOUT_MS,
  );

  it('still answers afterwards', async () => {
    expect((await t.request('GET', '/health')).status).toBe(200);
    expect((await t.request('GET', '/api/artifacts?limit=1')).status).toBe(200);
  });
});
