import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Kernel } from '../kernel/kernel.js';
import type { PluginDefinition } from '../plugin-api/definePlugin.js';
import type { ServiceRef } from '../plugin-api/serviceRef.js';
import type { Logger } from '../plugin-api/logger.js';
import type { Clock } from '../plugin-api/clock.js';
import type { EventStreamOptions } from '../events/stream/eventStreamHub.js';
import { serviceUrls } from './services.js';
import { silentLogger } from './silentLogger.js';
import { StartingClock } from './clockStartingAt.js';
import { seedEmbeddedDatabase } from './embeddedDatabase.js';

/** Where a test kernel keeps its embedded database, inside its folder, unless the configuration says. */
const DEFAULT_EMBEDDED_DIR = '.deploydb';

export interface TestKernelOptions {
  /** deploydb.yaml as text. `database` and `server` are filled in by the harness unless given. */
  config: string;
  /** `embedded` (a fresh folder), `postgres` (a fresh database on the test server), or a URL. Default embedded. */
  database?: 'embedded' | 'postgres' | { url: string };
  /** Plugins by package name, used instead of installed packages: test a plugin before it is packed. */
  plugins?: Record<string, PluginDefinition>;
  /**
   * Services to use instead of the kernel's or a plugin's, each under its reference:
   * `services: [[coreServices.ledger, fakeLedger]]`. Plugins depending on one get the fake.
   */
  services?: ReadonlyArray<readonly [ServiceRef<any>, unknown]>;
  env?: NodeJS.ProcessEnv;
  /**
   * The clock of everything, the ledger included: the times it records, and when results fall
   * due. To run plugins at a chosen time while the ledger keeps real time, use `startAt` or
   * `pluginClock` instead.
   */
  clock?: Clock;
  /**
   * The time plugins see when the kernel is ready: their clock reads this instant while the kernel
   * starts and, from the moment `startTestKernel` resolves, moves on at the machine's pace. A
   * plugin is tested at a chosen time of day (a change window, business hours) with nothing else
   * shifted: the ledger keeps the machine's time. Ignored when `pluginClock` is given.
   */
  startAt?: Date | string;
  /** The clock plugins see, e.g. a `ManualClock` the test moves; the ledger keeps `clock`. */
  pluginClock?: Clock;
  /** Listen on a free loopback port (default true); otherwise call `request` in-process only. */
  listen?: boolean;
  /** Keep the same folder / database as an earlier kernel (to test a restart). */
  reuse?: TestKernel;
  logger?: Logger;
  /** Settings of the live event stream, e.g. a short keep-alive interval. */
  eventStream?: EventStreamOptions;
}

export interface TestResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A DeployDB kernel running in this process, on its own database, with helpers to call its API. */
export interface TestKernel {
  kernel: Kernel;
  /** Base URL when listening. */
  url: string | null;
  /** The folder holding deploydb.yaml (and the embedded database). */
  dir: string;
  databaseUrl: string | null;
  /** Calls the API; `token` becomes a bearer token; a string body is sent as is. */
  request<T = any>(method: string, path: string, body?: unknown, options?: { token?: string; headers?: Record<string, string> }): Promise<TestResponse<T>>;
  /** Stops the kernel (keeps its data for `reuse`). */
  stop(): Promise<void>;
  /** Stops the kernel and deletes its folder and database. */
  destroy(): Promise<void>;
}

/**
 * Starts a real kernel in-process for a test: real store (embedded or PostgreSQL), real HTTP,
 * the plugins you hand it. Call `destroy()` in afterAll.
 */
export async function startTestKernel(options: TestKernelOptions): Promise<TestKernel> {
  const dir = options.reuse?.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'deploydb-test-'));
  let databaseUrl = options.reuse?.databaseUrl ?? null;
  if (!options.reuse && options.database === 'postgres') databaseUrl = await createTestDatabase();
  else if (!options.reuse && typeof options.database === 'object') databaseUrl = options.database.url;

  const configPath = path.join(dir, 'deploydb.yaml');
  fs.writeFileSync(configPath, withDefaults(options.config, databaseUrl));
  if (!databaseUrl && !/^database:/m.test(options.config)) await seedEmbeddedDatabase(path.join(dir, DEFAULT_EMBEDDED_DIR));
  const startingClock = options.startAt === undefined ? undefined : new StartingClock(options.startAt);
  let kernel: Kernel;
  try {
    kernel = await Kernel.start({
      configPath,
      env: { ...options.env },
      plugins: options.plugins,
      services: options.services,
      clock: options.clock,
      pluginClock: options.pluginClock ?? startingClock,
      listen: options.listen ?? true,
      port: 0,
      logger: options.logger ?? silentLogger,
      eventStream: options.eventStream,
    });
  } catch (error) {
    if (!options.reuse) {
      fs.rmSync(dir, { recursive: true, force: true });
      if (databaseUrl && options.database === 'postgres') await dropTestDatabase(databaseUrl).catch(() => undefined);
    }
    throw error;
  }
  startingClock?.go();
  const url = kernel.url;
  const request = async (method: string, urlPath: string, body?: unknown, extra: { token?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...extra.headers };
    if (extra.token) headers.authorization = `Bearer ${extra.token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const init = { method, headers, body: payload };
    const response = url ? await fetch(`${url}${urlPath}`, init) : await kernel.app.request(urlPath, init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (e.g. /metrics): keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as any };
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await kernel.stop();
  };
  return {
    kernel,
    url,
    dir,
    databaseUrl,
    request,
    stop,
    async destroy() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
      if (databaseUrl && !options.reuse && options.database === 'postgres') await dropTestDatabase(databaseUrl);
    },
  };
}

/** Adds `database` (and a loopback `server`) unless the configuration sets them. */
function withDefaults(config: string, databaseUrl: string | null): string {
  let text = config;
  if (!/^database:/m.test(text)) text = `${databaseUrl ? `database: { url: "${databaseUrl}" }` : `database: { dir: "${DEFAULT_EMBEDDED_DIR}" }`}\n${text}`;
  if (!/^server:/m.test(text)) text = `server: { host: 127.0.0.1 }\n${text}`;
  return text;
}

/** A fresh database on the test PostgreSQL server (DEPLOYDB_TEST_POSTGRES_URL), named uniquely. */
export async function createTestDatabase(): Promise<string> {
  const name = `deploydb_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serviceUrls.postgres });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serviceUrls.postgres);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropTestDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  if (!/^deploydb_test_\w+$/.test(name)) return;
  const admin = new pg.Client({ connectionString: serviceUrls.postgres });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}
