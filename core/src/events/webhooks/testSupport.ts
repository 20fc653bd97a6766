/**
 * What webhook tests share: a real HTTP receiver on 127.0.0.1 that records every request and
 * answers as the test tells it to (a status, after a delay, or never), an independent signature
 * check. A database of either kind comes from testing/testDatabases.ts.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeployDbConfig, WebhookConfig } from '../../config/model.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** How to answer the n-th request (0-based): a status, a status after a delay, or no answer at all. */
export type Answer = number | { status: number; delayMs: number } | 'hang';

export interface TestReceiver {
  url: string;
  received: ReceivedRequest[];
  /** Decides each answer; replace it to change the receiver's behaviour mid-test. */
  answer: (index: number, request: ReceivedRequest) => Answer;
  /** Resolves once `count` requests arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/** Starts a receiver answering 200 unless told otherwise. */
export async function startReceiver(answer: TestReceiver['answer'] = () => 200): Promise<TestReceiver> {
  const received: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const index = received.push(request) - 1;
      for (const wake of waiters) wake();
      const decided = receiver.answer(index, request);
      if (decided === 'hang') return;
      const { status, delayMs } = typeof decided === 'number' ? { status: decided, delayMs: 0 } : decided;
      const reply = () => res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'not today');
      if (delayMs <= 0) return reply();
      const timer = setTimeout(reply, delayMs);
      res.on('close', () => clearTimeout(timer));
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: TestReceiver = {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    answer,
    waitFor(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < count) return;
          cleanup();
          resolve(received.slice());
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`the receiver got ${received.length} of ${count} requests within ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}

/**
 * Checks a Standard Webhooks signature the way a receiver would, independently of the sender's
 * code: recompute the HMAC over `{id}.{timestamp}.{body}` and compare in constant time.
 */
export function verifyStandardWebhook(secret: string, request: ReceivedRequest): boolean {
  const id = request.headers['webhook-id'];
  const timestamp = request.headers['webhook-timestamp'];
  const signatures = request.headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = Buffer.from(createHmac('sha256', key).update(`${id}.${timestamp}.${request.body}`).digest('base64'));
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** A webhook entry with the configuration's defaults. */
export function webhook(url: string, extra: Partial<WebhookConfig> = {}): WebhookConfig {
  return { url, events: ['*'], environments: [], secret: null, retry: { attempts: 10, backoff: 5 }, ...extra };
}

/** A configuration getter over a mutable webhooks list: what the sender and dispatcher read. */
export function webhooksConfig(webhooks: () => WebhookConfig[]): () => DeployDbConfig {
  return () => ({ webhooks: webhooks() }) as unknown as DeployDbConfig;
}
