/**
 * A stand-in Jenkins on 127.0.0.1 speaking the parts of its JSON API that the plugin uses:
 * crumbIssuer, buildWithParameters (201 + Location of a queue item), queue items that gain
 * `executable.url` after some polls, and builds that report `building` then a `result`.
 * It records every trigger (parameters, auth, crumb) so tests can check what was sent.
 */
import http from 'node:http';
import type net from 'node:net';

export interface JobBehaviour {
  /** The build's result once it finishes (default SUCCESS). */
  result?: string;
  /** Refuse (403) a trigger without the crumb from the crumb issuer. */
  requireCrumb?: boolean;
  /** Answer every request about this job with 503 (`'reset'`: drop the connection instead). */
  down?: boolean | 'reset';
  /** Queue polls answered without `executable` before the build starts (default 1). */
  queuePolls?: number;
  /** Build polls answered `building: true` before the result (default 1). */
  buildPolls?: number;
  /** Mark the queue item cancelled instead of starting a build. */
  cancel?: boolean;
}

export interface TriggerRecord {
  job: string;
  parameters: Record<string, string>;
  /** `user:token` decoded from Basic auth, or null. */
  auth: string | null;
  /** The value of the crumb header, or null. */
  crumb: string | null;
  cookie: string | null;
}

export interface FakeJenkinsOptions {
  /** Offer a crumb issuer even when no job requires a crumb (default: only when one does). */
  crumbIssuer?: boolean;
  /** Require Basic auth with exactly these credentials. */
  credentials?: { user: string; token: string };
}

interface QueueItem {
  id: number;
  job: string;
  polls: number;
  build: number | null;
}

interface Build {
  job: string;
  number: number;
  polls: number;
}

const CRUMB_FIELD = 'Jenkins-Crumb';
const CRUMB = 'c0ffee-crumb';
const SESSION = 'JSESSIONID.fake=session-1';

/** A fake Jenkins; `start()` it, configure jobs with `job()`, `close()` it. */
export class FakeJenkins {
  readonly triggers: TriggerRecord[] = [];
  /** Every request received, as `METHOD path`. */
  readonly requests: string[] = [];
  private readonly jobs = new Map<string, JobBehaviour>();
  private readonly queue = new Map<number, QueueItem>();
  private readonly builds = new Map<string, Build>();
  private nextQueueId = 100;
  private server: http.Server | null = null;
  private port = 0;

  constructor(private readonly options: FakeJenkinsOptions = {}) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Declares (or changes) a job. Unknown jobs answer 404, as in Jenkins. */
  job(name: string, behaviour: JobBehaviour = {}): this {
    this.jobs.set(name, { ...this.jobs.get(name), ...behaviour });
    return this;
  }

  triggersOf(job: string): TriggerRecord[] {
    return this.triggers.filter((t) => t.job === job);
  }

  /** Listens on `port` (0: any free one; the same port again after `stop()`). */
  async start(port = this.port): Promise<this> {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => this.handle(req, res, body));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening (connections are refused) but keeps all queue items and builds. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    return this.stop();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    this.requests.push(`${req.method} ${path}`);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    };
    const text = (status: number, value: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain' }).end(value);
    };

    const auth = decodeBasic(req.headers.authorization);
    const { credentials } = this.options;
    if (credentials && auth !== `${credentials.user}:${credentials.token}`) return text(401, 'Unauthorized');

    if (req.method === 'GET' && path === '/crumbIssuer/api/json') {
      const offered = this.options.crumbIssuer || [...this.jobs.values()].some((job) => job.requireCrumb);
      if (!offered) return text(404, 'Not Found');
      return json(200, { _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb: CRUMB, crumbRequestField: CRUMB_FIELD }, { 'set-cookie': `${SESSION}; Path=/; HttpOnly` });
    }

    const trigger = path.match(/^((?:\/job\/[^/]+)+)\/buildWithParameters\/?$/);
    if (trigger && req.method === 'POST') {
      const job = jobName(trigger[1]!);
      const behaviour = this.jobs.get(job);
      if (!behaviour) return text(404, 'Not Found');
      if (this.isDown(behaviour, res)) return;
      const crumb = headerValue(req.headers[CRUMB_FIELD.toLowerCase()]);
      const cookie = headerValue(req.headers.cookie);
      if (behaviour.requireCrumb && (crumb !== CRUMB || cookie !== SESSION)) return text(403, 'No valid crumb was included in the request');
      const parameters = Object.fromEntries([...url.searchParams, ...new URLSearchParams(body)]);
      this.triggers.push({ job, parameters, auth, crumb, cookie });
      const id = this.nextQueueId++;
      this.queue.set(id, { id, job, polls: 0, build: null });
      res.writeHead(201, { location: `${this.url}/queue/item/${id}/` }).end();
      return;
    }

    const queued = path.match(/^\/queue\/item\/(\d+)\/api\/json$/);
    if (queued && req.method === 'GET') {
      const item = this.queue.get(Number(queued[1]));
      if (!item) return text(404, 'Not Found');
      const behaviour = this.jobs.get(item.job) ?? {};
      if (this.isDown(behaviour, res)) return;
      if (behaviour.cancel) return json(200, { id: item.id, cancelled: true, executable: null });
      item.polls++;
      if (item.build === null && item.polls > (behaviour.queuePolls ?? 1)) {
        item.build = [...this.builds.values()].filter((b) => b.job === item.job).length + 1;
        this.builds.set(`${item.job}#${item.build}`, { job: item.job, number: item.build, polls: 0 });
      }
      const executable = item.build === null ? null : { number: item.build, url: this.buildUrl(item.job, item.build) };
      return json(200, { _class: 'hudson.model.Queue$LeftItem', id: item.id, cancelled: false, why: executable ? null : 'Waiting for next available executor', executable });
    }

    const built = path.match(/^((?:\/job\/[^/]+)+)\/(\d+)\/api\/json$/);
    if (built && req.method === 'GET') {
      const job = jobName(built[1]!);
      const build = this.builds.get(`${job}#${built[2]}`);
      if (!build) return text(404, 'Not Found');
      const behaviour = this.jobs.get(job) ?? {};
      if (this.isDown(behaviour, res)) return;
      build.polls++;
      const building = build.polls <= (behaviour.buildPolls ?? 1);
      return json(200, { building, result: building ? null : (behaviour.result ?? 'SUCCESS'), number: build.number, url: this.buildUrl(job, build.number) });
    }

    text(404, 'Not Found');
  }

  private isDown(behaviour: JobBehaviour, res: http.ServerResponse): boolean {
    if (!behaviour.down) return false;
    if (behaviour.down === 'reset') res.socket?.destroy();
    else res.writeHead(503, { 'content-type': 'text/html' }).end('<html>Service Unavailable</html>');
    return true;
  }

  buildUrl(job: string, number: number): string {
    return `${this.url}${job
      .split('/')
      .map((segment) => `/job/${encodeURIComponent(segment)}`)
      .join('')}/${number}/`;
  }
}

function jobName(path: string): string {
  return path
    .split('/job/')
    .filter(Boolean)
    .map((segment) => decodeURIComponent(segment))
    .join('/');
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

function decodeBasic(header: string | undefined): string | null {
  if (!header?.startsWith('Basic ')) return null;
  return Buffer.from(header.slice(6), 'base64').toString();
}
