/**
 * Local HTTP servers the promotion flows talk to: health endpoints whose answer a test can
 * change (status, delay), a port nothing listens on, and the stand-in Jenkins of the Jenkins
 * plugin's own tests.
 */
import http from 'node:http';
import type net from 'node:net';

export { FakeJenkins, type JobBehaviour, type TriggerRecord } from '../../plugins/promotion-jenkins/test/fakeJenkins.js';
export { refusedUrl } from '../../plugins/promotion-webhook/test/servers.js';

export interface HealthRequest {
  method: string;
  path: string;
  userAgent: string | null;
  /** Date.now() when the request arrived. */
  at: number;
}

/** A health endpoint on 127.0.0.1 answering every request with `status`, after `delayMs`. */
export class HealthHost {
  status = 200;
  delayMs = 0;
  readonly requests: HealthRequest[] = [];
  private server: http.Server | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        this.requests.push({ method: req.method ?? '', path: req.url ?? '', userAgent: req.headers['user-agent'] ?? null, at: Date.now() });
        const answer = () => res.writeHead(this.status, { 'content-type': 'text/plain' }).end(this.status === 200 ? 'ok' : 'not ok');
        if (this.delayMs <= 0) return answer();
        const timer = setTimeout(answer, this.delayMs);
        res.on('close', () => clearTimeout(timer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Back to answering 200 at once. */
  reset(): void {
    this.status = 200;
    this.delayMs = 0;
  }

  /** Requests for `path` that arrived at or after `since` (Date.now()). */
  hits(path: string, since = 0): HealthRequest[] {
    return this.requests.filter((r) => r.path === path && r.at >= since);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
