import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Forwarder {
  /** Where to point the plugin's `apiUrl`. */
  url: string;
  /** Sets the URL requests are forwarded to. */
  forwardTo(url: string): void;
  close(): Promise<void>;
}

/**
 * An address for DeployDB before it has one. `startTestKernel` listens on a port it picks while
 * starting, after the plugin's config has been read, so the plugin is pointed at this forwarder,
 * which is told the kernel's URL once the kernel runs. Until then it answers 503.
 */
export async function startForwarder(): Promise<Forwarder> {
  let target: string | null = null;
  const server = http.createServer(async (req, res) => {
    if (!target) {
      res.writeHead(503).end();
      return;
    }
    try {
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'accept', 'content-type']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const response = await fetch(`${target}${req.url ?? '/'}`, { method: req.method, headers });
      res.writeHead(response.status, { 'content-type': response.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwardTo: (url) => void (target = url),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
