/**
 * The receiver of DeployDB's webhooks (CONTRACT §5): a local HTTP server that answers 204 and
 * records every delivery it accepted by its `webhook-id`, or, while told to fail, answers 503 to
 * everything (and records nothing: a refused delivery was not received).
 */
import http from 'node:http';
import type net from 'node:net';

export interface WebhookReceiver {
  readonly url: string;
  /** Accepted deliveries per webhook id (the event id), in arrival order of first receipt. */
  readonly accepted: Map<string, number>;
  /** Requests answered 503 while failing. */
  refused(): number;
  /** From now on answer 503 (true) or 204 (false). */
  failing(on: boolean): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const accepted = new Map<string, number>();
  let failing = false;
  let refused = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (failing) {
        refused += 1;
        response.writeHead(503).end();
        return;
      }
      const id = request.headers['webhook-id'];
      const key = typeof id === 'string' && id !== '' ? id : `(no webhook-id) ${Buffer.concat(chunks).toString('utf8').slice(0, 80)}`;
      accepted.set(key, (accepted.get(key) ?? 0) + 1);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    accepted,
    refused: () => refused,
    failing: (on) => {
      failing = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
