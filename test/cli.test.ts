import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKernel, type TestKernel } from '@deploydb/core/testing';
import { ledgerClient, outboxEvents } from './support/client.js';
import { TOKENS, startLedger } from './support/fixtures.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../core/dist/cli/main.js', import.meta.url));
// eslint-disable-next-line no-control-regex -- the escape character is what starts a colour
const ANSI = /\u001b\[[0-9;]*m/;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, or stderr when the command failed and wrote JSON there. */
  body: any;
}

/** Runs `deploydb` (the built command) without a terminal. */
async function deploydb(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const childEnv = { ...process.env, NO_COLOR: '', ...env };
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: childEnv });
    return { code: 0, stdout, stderr, body: parse(stdout) };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr, body: parse(failed.stderr) };
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Runs `deploydb` on a pseudo-terminal (util-linux `script`), as a person would. */
async function onTerminal(args: string[], env: Record<string, string> = {}): Promise<string> {
  const line = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const { stdout } = await run('script', ['-qec', line, '/dev/null'], { env: { ...process.env, NO_COLOR: '', TERM: 'xterm', ...env } });
  return stdout;
}

/** The rows of a table as printed: cells split on runs of two or more spaces. */
function rows(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));
}

describe('client commands of the deploydb command line', () => {
  let t: TestKernel;
  let url: string[];
  beforeAll(async () => {
    t = await startLedger('embedded');
    url = ['--url', t.url!];
  });
  afterAll(() => t?.destroy());

  it('registers an artifact, reports its deployment, approves and shows the status as the API\'s JSON, with the token from $DEPLOYDB_TOKEN', async () => {
    const ci = { DEPLOYDB_TOKEN: TOKENS.ci };
    const registered = await deploydb(['artifact', 'register', '--group', 'com.acme', '--name', 'foas', '--version', `cli-${Date.now()}`, '--source-url', 'https://ci/x', ...url, '--output', 'json'], ci);
    expect(registered.code).toBe(0);
    let deployment = registered.body.flows[0].deployments[0];
    for (const environment of ['dev', 'integ']) {
      expect(deployment.environment).toBe(environment);
      const reported = await deploydb(['deployment', 'report', String(deployment.id), 'completed', ...url, '-o', 'json'], ci);
      expect(reported.body.status).toBe('VERIFIED');
      deployment = (await t.request('GET', `/api/flows/${deployment.flowId}`, undefined, { token: TOKENS.reader })).body.deployments.at(-1);
    }
    await deploydb(['deployment', 'report', String(deployment.id), 'COMPLETED', ...url], ci);
    const refused = await deploydb(['approve', String(deployment.id), '--promotion', 'pair-review', ...url, '--token', TOKENS.carol, '--output', 'json']);
    expect(refused.code).toBe(1);
    expect(refused.body.error.code).toBe('forbidden');
    const approved = await deploydb(['--output', 'json', 'approve', String(deployment.id), '--promotion', 'pair-review', ...url, '--token', TOKENS.alice]);
    expect(approved.body).toMatchObject({ promotion: 'pair-review', status: 'STARTED' });
    const status = await deploydb(['status', 'faas', ...url, '--token', TOKENS.reader, '--output', 'json']);
    expect(status.body.map((e: any) => e.environment)).toEqual(['dev', 'integ', 'preprod', 'prod']);
    expect(status.body[2].current.id).toBe(deployment.id);
  });

  it('prints a refusal as the server\'s error on one line, exit 1; a server that does not answer, exit 1', async () => {
    const { register, report } = ledgerClient(t);
    const registered = await register();
    const id = registered.flows[0].deployments[0].id;
    await report(id, 'COMPLETED');
    const refused = await deploydb(['deployment', 'report', String(id), 'STARTED', ...url, '--token', TOKENS.ci]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^deploydb: 409 invalid_transition: [^\n]+\n$/);
    const missing = await deploydb(['approve', '999999', ...url, '--token', TOKENS.alice]);
    expect(missing.stderr).toMatch(/^deploydb: 404 not_found: [^\n]+\n$/);
    const nobody = await deploydb(['status', '--url', 'http://127.0.0.1:9']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/^deploydb: cannot reach http:\/\/127\.0\.0\.1:9: /);
  });

  it('says how to use a command it is given wrongly, with exit code 2', async () => {
    const wrong = await deploydb(['artifact', 'register', '--group', 'g', ...url]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("deploydb: required option '--name <name>' not specified");
    expect((await deploydb(['frobnicate'])).code).toBe(2);
    expect((await deploydb([])).code).toBe(2);
    expect((await deploydb(['deployment', 'report', 'twelve', 'COMPLETED'])).stderr).toBe('deploydb: deploymentId must be a positive integer, not "twelve"\n');
    expect((await deploydb(['deployment', 'report', '12', 'DONE'])).code).toBe(2);
    expect((await deploydb(['status', '--output', 'yaml'])).code).toBe(2);
    expect((await deploydb(['deploy', 'record', '--service', 'faas', '--env', 'prod', '--version', '1', '--kind', 'sideways'])).code).toBe(2);
    expect((await deploydb(['--help'])).code).toBe(0);
    expect((await deploydb(['help', 'status'])).code).toBe(0);
    expect((await deploydb(['--output', 'json'])).code).toBe(2);
  });

  it('shows the matrix: services as rows, environments as columns in pipeline order, version and status, and what is in flight', async () => {
    const { register, report } = ledgerClient(t);
    const foas = await register('com.acme:foas');
    await report(foas.flows[0].deployments[0].id, 'COMPLETED');
    const billing = await register('com.acme:billing');
    for (const flow of billing.flows) await report(flow.deployments[0].id, 'COMPLETED');
    const next = await register('com.acme:foas');

    const shown = await deploydb(['status', ...url, '--token', TOKENS.reader]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toMatch(ANSI);
    const table = rows(shown.stdout);
    expect(table[0]).toEqual(['SERVICE', 'DEV', 'INTEG', 'PREPROD', 'PROD']);
    const faasRow = table.findIndex((r) => r[0] === 'faas');
    expect(table[faasRow]![1]).toBe(`${foas.version} VERIFIED`);
    expect(table[faasRow + 1]![0]).toBe(`→ ${next.version} CREATED`);
    const billingRow = table.find((r) => r[0] === 'billing')!;
    expect(billingRow[1]).toBe(`${billing.version} VERIFIED`);

    const onlyDev = await deploydb(['status', '--env', 'dev', ...url, '--token', TOKENS.reader]);
    expect(rows(onlyDev.stdout)[0]).toEqual(['SERVICE', 'DEV']);
    const unknownEnv = await deploydb(['status', '--env', 'moon', ...url, '--token', TOKENS.reader]);
    expect(unknownEnv.code).toBe(2);

    const one = await deploydb(['status', 'billing', ...url, '--token', TOKENS.reader]);
    const perEnvironment = rows(one.stdout);
    expect(perEnvironment[0]).toEqual(['ENVIRONMENT', 'CURRENT', 'STATUS', 'SINCE', 'IN FLIGHT']);
    expect(perEnvironment.map((r) => r[0])).toEqual(['ENVIRONMENT', 'dev', 'integ', 'preprod', 'prod']);
    expect(perEnvironment[1]!.slice(0, 3)).toEqual(['dev', billing.version, 'VERIFIED']);
    expect(perEnvironment[1]![3]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);

    const json = await deploydb(['status', ...url, '--token', TOKENS.reader, '--output', 'json']);
    expect(json.body.map((r: any) => r.service)).toEqual(['faas', 'billing']);
    expect(json.body[0].environments[0].current.artifact.version).toBe(foas.version);
  });

  it('records a direct deployment, taking the service\'s only module or asking for --group and --name, and rolls back', async () => {
    const { register, report } = ledgerClient(t);
    const first = await register('com.acme:billing');
    await report(first.flows[0].deployments[0].id, 'COMPLETED');
    const second = await register('com.acme:billing');
    await report(second.flows[0].deployments[0].id, 'COMPLETED');
    const ci = ['--token', TOKENS.ci, ...url];

    const recorded = await deploydb(['deploy', 'record', '--service', 'billing', '--env', 'prod', '--version', second.version, '--kind', 'hotfix', '--status', 'COMPLETED', '--reason', 'urgent', ...ci, '-o', 'json']);
    expect(recorded.code).toBe(0);
    expect(recorded.body).toMatchObject({ service: 'billing', environment: 'prod', kind: 'hotfix', status: 'COMPLETED', flowId: null, reason: 'urgent', artifact: { id: second.id } });

    const ambiguous = await deploydb(['deploy', 'record', '--service', 'faas', '--env', 'prod', '--version', '1.0', '--kind', 'manual', ...ci]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toBe('deploydb: service faas lists 2 modules (com.acme:foas, com.acme:puppet-foas): pass --group and --name\n');

    const byId = await deploydb(['deploy', 'record', '--service', 'billing', '--env', 'prod', '--artifact-id', String(first.id), '--kind', 'manual', '--status', 'COMPLETED', ...ci]);
    expect(byId.code).toBe(0);
    const shown = Object.fromEntries(rows(byId.stdout).map(([label, ...rest]) => [label, rest.join('  ')]));
    expect(shown).toMatchObject({ artifact: `com.acme:billing:${first.version}`, service: 'billing', environment: 'prod', kind: 'manual' });
    expect(shown.status).toMatch(/^COMPLETED {2}since /);

    const rollback = await deploydb(['rollback', 'billing', 'prod', '--reason', 'bad build', ...ci, '--output', 'json']);
    expect(rollback.code).toBe(0);
    expect(rollback.body).toMatchObject({ kind: 'rollback', status: 'CREATED', environment: 'prod', artifact: { id: second.id }, reason: 'bad build' });

    const history = await deploydb(['history', 'billing', 'prod', ...url, '--token', TOKENS.reader]);
    const table = rows(history.stdout);
    expect(table[0]).toEqual(['FROM', 'TO', 'VERSION', 'KIND', 'STATUS', 'DEPLOYMENT']);
    expect(table[1]!.slice(1, 5)).toEqual(['current', first.version, 'manual', 'COMPLETED']);
    expect(table[2]!.slice(2, 5)).toEqual([second.version, 'hotfix', 'COMPLETED']);
    const historyJson = await deploydb(['history', 'billing', 'prod', '--limit', '1', ...url, '--token', TOKENS.reader, '-o', 'json']);
    expect(historyJson.body.items).toHaveLength(1);
    expect(historyJson.body.nextCursor).not.toBeNull();
  });

  it('compares two environments and shows DORA figures, as tables and as JSON', async () => {
    const reader = ['--token', TOKENS.reader, ...url];
    const diff = await deploydb(['diff', 'dev', 'prod', ...reader]);
    expect(diff.code).toBe(0);
    const table = rows(diff.stdout);
    expect(table[0]).toEqual(['SERVICE', 'DEV', 'PROD']);
    const billing = table.find((r) => r[0] === 'billing')!;
    expect(billing[3] ?? billing[2]).toMatch(/same|differs/);
    const diffJson = await deploydb(['diff', 'dev', 'prod', ...reader, '-o', 'json']);
    expect(diffJson.body.map((i: any) => i.service)).toEqual(['faas', 'billing']);
    const badAt = await deploydb(['diff', 'dev', 'prod', '--at', 'yesterday', ...reader]);
    expect(badAt.code).toBe(1);
    expect(badAt.stderr).toMatch(/^deploydb: 400 bad_request: /);

    const dora = await deploydb(['dora', '--service', 'billing', '--env', 'prod', '--days', '7', ...reader]);
    expect(dora.code).toBe(0);
    const figures = rows(dora.stdout);
    expect(figures[1]).toEqual(['SERVICE', 'ENVIRONMENT', 'DEPLOYS', 'PER DAY', 'LEAD P50', 'LEAD P90', 'FAILURES', 'RESTORE P50', 'RESTORE P90']);
    expect(figures[2]!.slice(0, 2)).toEqual(['billing', 'prod']);
    const doraJson = await deploydb(['dora', '--service', 'billing', '--env', 'prod', '--days', '7', ...reader, '-o', 'json']);
    expect(Date.parse(doraJson.body.to) - Date.parse(doraJson.body.from)).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(Number(figures[2]![2])).toBe(doraJson.body.services[0].deployments);
    expect((await deploydb(['dora', '--days', 'a week', ...reader])).code).toBe(2);
  });

  it.runIf(fs.existsSync('/usr/bin/script'))('colours only on a terminal, and never with NO_COLOR', async () => {
    const args = ['status', 'billing', ...url, '--token', TOKENS.reader];
    expect(await onTerminal(args)).toMatch(ANSI);
    const plain = await onTerminal(args, { NO_COLOR: '1' });
    expect(plain).toContain('ENVIRONMENT');
    expect(plain).not.toMatch(ANSI);
    expect((await deploydb(args)).stdout).not.toMatch(ANSI);
  });

  it('prints one line per live event with watch, and stops on SIGTERM with exit 0', async () => {
    const child = spawn(process.execPath, [CLI, 'watch', '--types', 'deployment.*', '--env', 'dev', ...url, '--token', TOKENS.reader], { env: { ...process.env, NO_COLOR: '' } });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => t.kernel.eventStream.clientCount, { timeout: 10_000 }).toBeGreaterThan(0);
      const registered = await ledgerClient(t).register('com.acme:billing');
      await expect.poll(() => stdout, { timeout: 10_000 }).toContain('\n');
      const [line] = stdout.split('\n');
      const id = registered.flows[0].deployments[0].id;
      expect(line).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ  deployment\\.created  deployments/${id}  billing/dev ${registered.version} CREATED$`));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('watch reconnects after a lost connection and prints what happened meanwhile, once', async () => {
    const proxy = await cuttableProxy(new URL(t.url!).port);
    const child = spawn(process.execPath, [CLI, 'watch', '--types', 'artifact.created', '--url', proxy.url, '--token', TOKENS.reader], { env: { ...process.env, NO_COLOR: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const lines = () => stdout.split('\n').filter(Boolean);
    try {
      // The server answers the stream's headers once the client is subscribed.
      await expect.poll(() => proxy.answered, { timeout: 10_000 }).toBeGreaterThan(0);
      const { register } = ledgerClient(t);
      const before = await register('com.acme:billing');
      await expect.poll(lines, { timeout: 10_000 }).toHaveLength(1);
      proxy.cut();
      const during = await register('com.acme:billing');
      await expect.poll(lines, { timeout: 15_000 }).toHaveLength(2);
      expect(lines()[0]).toContain(`artifacts/${before.id}  com.acme:billing:${before.version}`);
      expect(lines()[1]).toContain(`artifacts/${during.id}  com.acme:billing:${during.version}`);
      expect(stderr).toMatch(/reconnecting in 1 s/);
      const seen = (await outboxEvents(t)).find((e) => e.type === 'deploydb.artifact.created' && e.data.id === before.id)!;
      expect(proxy.lastEventIds).toEqual([seen.id]);
    } finally {
      child.kill('SIGTERM');
      proxy.close();
    }
    expect(await exited).toBe(0);
  });
});

/** A TCP proxy to a local port whose connections can be cut, noting the Last-Event-ID of each request and how many were answered. */
async function cuttableProxy(port: string) {
  const sockets = new Set<net.Socket>();
  const lastEventIds: string[] = [];
  let answered = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk) => {
      const header = /last-event-id: *([^\r\n]+)/i.exec(chunk.toString('latin1'));
      if (header) lastEventIds.push(header[1]!);
    });
    upstream.once('data', () => (answered += 1));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    lastEventIds,
    get answered() {
      return answered;
    },
    cut: () => sockets.forEach((socket) => socket.destroy()),
    close: () => {
      sockets.forEach((socket) => socket.destroy());
      server.close();
    },
  };
}

describe('deploydb new', () => {
  const work = fs.mkdtempSync(`${os.tmpdir()}/deploydb-new-`);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('writes a plugin package where --dir says, naming what it wrote and the core it depends on', async () => {
    const dir = `${work}/gate`;
    const made = await deploydb(['new', 'promotion', 'ChangeWindow', '--dir', dir, '--core', 'file:/opt/deploydb-core-0.1.0.tgz', '-o', 'json']);
    expect(made.code, made.stderr).toBe(0);
    expect(made.body).toMatchObject({ package: 'deploydb-promotion-change-window', dir, core: 'file:/opt/deploydb-core-0.1.0.tgz' });
    expect(made.body.files).toEqual(expect.arrayContaining(['package.json', 'src/index.ts', 'test/plugin.test.ts', 'README.md']));
    expect(fs.readFileSync(`${dir}/src/index.ts`, 'utf8')).toContain("type: 'ChangeWindow'");

    const again = await deploydb(['new', 'promotion', 'ChangeWindow', '--dir', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${dir} already exists and is not an empty folder`);
  });

  it('refuses an unknown kind or a name that is not one word, writing nothing (exit 2)', async () => {
    const kind = await deploydb(['new', 'webhook', 'Chat', '--dir', `${work}/w`]);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('<kind> is one of promotion, subscriber, source, not "webhook"');
    const name = await deploydb(['new', 'subscriber', 'chat-ops', '--dir', `${work}/c`]);
    expect(name.code).toBe(2);
    expect(name.stderr).toContain('<Name> starts with a letter and holds only letters and digits');
    expect(fs.existsSync(`${work}/w`) || fs.existsSync(`${work}/c`)).toBe(false);
  });
});

describe('deploydb token new', () => {
  it('prints a fresh base64url token of 32 random bytes and the auth.tokens entry holding only its sha256', async () => {
    const first = await deploydb(['token', 'new', '--name', 'jenkins', '--roles', 'ci,read']);
    expect(first.code).toBe(0);
    const [tokenLine, entryLine, rest] = first.stdout.split('\n');
    const token = /^token: ([A-Za-z0-9_-]{43})$/.exec(tokenLine!)![1]!;
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const hash = createHash('sha256').update(token).digest('hex');
    expect(entryLine).toBe(`- { name: jenkins, tokenHash: "sha256:${hash}", roles: [ci, read] }`);
    expect(rest).toBe('');
    const second = await deploydb(['token', 'new', '--name', 'jenkins', '--roles', 'ci,read']);
    expect(second.stdout.split('\n')[0]).not.toBe(tokenLine);

    const quoted = await deploydb(['token', 'new', '--name', 'on call', '--output', 'json']);
    expect(quoted.body.entry).toEqual({ name: 'on call', tokenHash: `sha256:${createHash('sha256').update(quoted.body.token).digest('hex')}`, roles: ['read'] });
    expect((await deploydb(['token', 'new', '--name', 'on call'])).stdout.split('\n')[1]).toMatch(/^- \{ name: "on call", /);
    expect((await deploydb(['token', 'new', '--roles', 'root'])).code).toBe(2);
  });

  it('prints an entry that DeployDB takes as it is: the token then authenticates with those roles', async () => {
    const made = await deploydb(['token', 'new', '--name', 'deployer', '--roles', 'ci']);
    const [tokenLine, entryLine] = made.stdout.split('\n');
    const token = tokenLine!.slice('token: '.length);
    const t = await startTestKernel({
      config: `auth:\n  tokens:\n    ${entryLine}\nenvironments: { dev: {} }\npipelines: { main: { environments: [dev] } }\nservices: { app: { name: App, artifacts: ["com.acme:app"], pipelines: [main] } }\n`,
    });
    try {
      const registered = await deploydb(['artifact', 'register', '--group', 'com.acme', '--name', 'app', '--version', '1.0.0', '--source-url', 'https://ci/app', '--url', t.url!, '--token', token, '-o', 'json']);
      expect(registered.code).toBe(0);
      expect(registered.body).toMatchObject({ group: 'com.acme', name: 'app', version: '1.0.0' });
      expect((await deploydb(['status', '--url', t.url!, '--token', 'not-the-token'])).stderr).toMatch(/^deploydb: 401 /);
    } finally {
      await t.destroy();
    }
  });
});
