/**
 * The few calls of Jenkins' remote access API this plugin needs. Failures come in two kinds,
 * because they are handled differently: {@link JenkinsUnreachable} (no answer, or a 5xx) is
 * retried until the promotion's `timeout`; {@link JenkinsRefused} (a 4xx) is final.
 */
import { describeFetchError } from '@deploydb/core';

/** Jenkins did not answer usefully: connection error, timeout, 5xx or a garbled body. */
export class JenkinsUnreachable extends Error {
  override name = 'JenkinsUnreachable';
}

/** Jenkins answered, and said no (unknown job, bad credentials, ...). */
export class JenkinsRefused extends Error {
  override name = 'JenkinsRefused';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** A CSRF crumb, as `/crumbIssuer/api/json` hands it out. */
export interface Crumb {
  field: string;
  value: string;
  /** The session cookie the crumb is bound to (Jenkins 2.176+ ties crumbs to a web session). */
  cookie: string | null;
}

export interface QueueItem {
  /** The build's URL once the item has left the queue, else null. */
  buildUrl: string | null;
  cancelled: boolean;
}

export interface BuildStatus {
  building: boolean;
  /** `SUCCESS`, `FAILURE`, `UNSTABLE`, `ABORTED`, `NOT_BUILT`, or null while unknown. */
  result: string | null;
}

export interface JenkinsClientOptions {
  baseUrl: string;
  user: string | null;
  token: string | null;
  /** Seconds one request may take. */
  requestTimeout: number;
  /** The evaluation's signal: aborting it aborts every request. */
  signal: AbortSignal;
}

/** `folder/job` → `/job/folder/job/job`, each segment encoded. */
export function jobPath(job: string): string {
  return job
    .split('/')
    .filter((segment) => segment.length > 0)
    .map((segment) => `/job/${encodeURIComponent(segment)}`)
    .join('');
}

/** `{url}api/json`, whether or not the URL Jenkins gave ends with a slash. */
export function apiUrl(url: string, query = ''): string {
  return `${url.endsWith('/') ? url : `${url}/`}api/json${query}`;
}

/** A client bound to one evaluation: every request is aborted with the evaluation. */
export class JenkinsClient {
  private readonly root: string;
  private readonly authorization: string | null;

  constructor(private readonly options: JenkinsClientOptions) {
    this.root = options.baseUrl.replace(/\/+$/, '');
    this.authorization =
      options.user !== null || options.token !== null
        ? `Basic ${Buffer.from(`${options.user ?? ''}:${options.token ?? ''}`).toString('base64')}`
        : null;
  }

  private async request(what: string, url: string, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> } = {}): Promise<Response> {
    const timeout = AbortSignal.timeout(Math.max(1, Math.round(this.options.requestTimeout * 1000)));
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (this.authorization) headers.authorization = this.authorization;
    let response: Response;
    try {
      response = await fetch(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.any([this.options.signal, timeout]) });
    } catch (error) {
      if (this.options.signal.aborted) throw this.options.signal.reason ?? error;
      if (timeout.aborted) throw new JenkinsUnreachable(`${what}: no answer within ${this.options.requestTimeout}s`);
      throw new JenkinsUnreachable(`${what}: ${describeFetchError(error)}`);
    }
    if (response.status >= 500) {
      await response.arrayBuffer().catch(() => undefined);
      throw new JenkinsUnreachable(`${what}: Jenkins answered ${response.status}`);
    }
    return response;
  }

  private async json<T>(what: string, response: Response): Promise<T> {
    try {
      return (await response.json()) as T;
    } catch {
      throw new JenkinsUnreachable(`${what}: the answer was not JSON`);
    }
  }

  /** The CSRF crumb, or null when Jenkins has no crumb issuer (404) or will not hand one out. */
  async crumb(): Promise<Crumb | null> {
    const what = 'GET crumbIssuer';
    const response = await this.request(what, `${this.root}/crumbIssuer/api/json`);
    if (!response.ok) {
      // Without an issuer (or the right to use it) a request may still be accepted, e.g. with an
      // API token, which Jenkins exempts from CSRF checks.
      await response.arrayBuffer().catch(() => undefined);
      return null;
    }
    const body = await this.json<{ crumb?: unknown; crumbRequestField?: unknown }>(what, response);
    if (typeof body.crumb !== 'string' || typeof body.crumbRequestField !== 'string') return null;
    const setCookie = response.headers.getSetCookie?.() ?? [];
    const cookie = setCookie.map((line) => line.split(';')[0]!.trim()).filter(Boolean).join('; ');
    return { field: body.crumbRequestField, value: body.crumb, cookie: cookie || null };
  }

  /** Queues a build of `job` with `parameters`; answers the queue item's URL. */
  async trigger(job: string, parameters: Record<string, string>, crumb: Crumb | null): Promise<string> {
    const url = `${this.root}${jobPath(job)}/buildWithParameters`;
    const what = `POST ${url}`;
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (crumb) {
      headers[crumb.field] = crumb.value;
      if (crumb.cookie) headers.cookie = crumb.cookie;
    }
    const response = await this.request(what, url, { method: 'POST', headers, body: new URLSearchParams(parameters).toString() });
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 400) {
      const hint = response.status === 404 ? ' (no such job?)' : response.status === 401 || response.status === 403 ? ' (check user, token and permissions)' : '';
      throw new JenkinsRefused(`${what} answered ${response.status}${hint}`, response.status);
    }
    const location = response.headers.get('location');
    if (response.status >= 300) {
      // Jenkins answers a queued build with 201; a redirect here is a login page or a proxy.
      throw new JenkinsRefused(`${what} answered ${response.status}${location ? ` redirecting to ${location}` : ''} instead of queueing a build`, response.status);
    }
    if (!location) throw new JenkinsRefused(`${what} answered ${response.status} without a queue item Location`, response.status);
    return new URL(location, `${this.root}/`).toString();
  }

  /** Where a queue item stands. A queue item Jenkins no longer knows is a {@link JenkinsRefused} 404. */
  async queueItem(queueUrl: string): Promise<QueueItem> {
    const url = apiUrl(queueUrl);
    const what = `GET ${url}`;
    const response = await this.request(what, url);
    if (response.status >= 300) {
      await response.arrayBuffer().catch(() => undefined);
      throw new JenkinsRefused(`${what} answered ${response.status}`, response.status);
    }
    const body = await this.json<{ executable?: { url?: unknown } | null; cancelled?: unknown }>(what, response);
    const buildUrl = typeof body.executable?.url === 'string' ? body.executable.url : null;
    return { buildUrl, cancelled: body.cancelled === true };
  }

  /** Whether a build is still running, and its result. */
  async build(buildUrl: string): Promise<BuildStatus> {
    const url = apiUrl(buildUrl, '?tree=building,result');
    const what = `GET ${url}`;
    const response = await this.request(what, url);
    if (response.status >= 300) {
      await response.arrayBuffer().catch(() => undefined);
      throw new JenkinsRefused(`${what} answered ${response.status}`, response.status);
    }
    const body = await this.json<{ building?: unknown; result?: unknown }>(what, response);
    return { building: body.building === true, result: typeof body.result === 'string' ? body.result : null };
  }
}
