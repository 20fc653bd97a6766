import { randomUUID } from 'node:crypto';
import type { QueueMessage } from '../plugin-api/queue.js';

/*
 * What tests of a queue provider publish and how they collect and wait for deliveries: shared by
 * the provider contract and the embedded queue's own tests.
 */

/** A CloudEvent as DeployDB publishes it, with a fresh id. */
export function cloudEvent(type: string, data: Record<string, unknown>) {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: 'deploydb',
    type,
    time: new Date().toISOString(),
    subject: 'deployments/contract',
    datacontenttype: 'application/json',
    data,
  };
}

/** A handler that keeps what it is given (taking `handlerDelayMs` over each), and ways to read it. */
export function collector(handlerDelayMs = 0) {
  const messages: QueueMessage[] = [];
  return {
    messages,
    ids: () => messages.map((m) => m.id),
    handler: async (message: QueueMessage) => {
      messages.push(message);
      if (handlerDelayMs > 0) await sleep(handlerDelayMs);
    },
    waitForCount: (count: number, timeoutMs: number) =>
      waitUntil(() => messages.length >= count, timeoutMs, () => `${count} message(s), got ${messages.length}`),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once `condition` holds; throws naming `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(20);
  }
}
