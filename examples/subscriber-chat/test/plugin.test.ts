/**
 * The plugin as the kernel drives it: made with its config and services, its subscription's
 * handler called with events, posting to a stand-in chat webhook on loopback.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HttpClient, SubscriberPluginInstance } from '@deploydb/core';
import { silentLogger } from '@deploydb/core/testing';
import chat from '../src/index.js';
import { ChatServer } from './chatServer.js';
import { deploymentEvent } from './events.js';

/** `fetch` with a timeout: what the kernel's httpClient does, minus its retries. */
const http: HttpClient = {
  fetch: (url, { timeoutMs = 10_000, retries: _retries, ...init } = {}) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
};

describe('deploydb-subscriber-chat', () => {
  let server: ChatServer;
  let instance: SubscriberPluginInstance;

  beforeAll(async () => {
    server = await new ChatServer().start();
    instance = await chat.create({
      config: { webhookUrl: server.url, environments: ['prod'], timeout: 5 },
      deps: { http, logger: silentLogger },
      logger: silentLogger,
      clock: { now: () => new Date() },
      configDir: process.cwd(),
    });
  });
  afterAll(() => server?.close());
  beforeEach(() => {
    server.posts.length = 0;
    server.status = 200;
  });

  const subscription = () => instance.subscribe[0]!;
  const handle = (event: ReturnType<typeof deploymentEvent>) => subscription().handle(event, { deliveryCount: 1 });

  it('subscribes to completed and failed deployments of the configured environments only', () => {
    expect(instance.subscribe).toHaveLength(1);
    expect(subscription().events).toEqual(['deployment.completed', 'deployment.failed']);
    expect(subscription().environments).toEqual(['prod']);
  });

  it('posts the message as JSON to the webhook', async () => {
    await handle(deploymentEvent('deploydb.deployment.completed'));
    expect(server.posts).toEqual([{ contentType: 'application/json', body: { text: ':white_check_mark: web: com.acme:web 1.4.2 deployed to prod' } }]);
  });

  it('throws when the webhook refuses, so the event comes again, and posts it then', async () => {
    const event = deploymentEvent('deploydb.deployment.failed', { reason: 'smoke tests failed' });
    server.status = 500;
    await expect(handle(event)).rejects.toThrow('the chat webhook answered 500: no_service');
    expect(server.posts).toEqual([]);
    server.status = 200;
    await handle(event);
    expect(server.posts.map((p) => p.body)).toEqual([{ text: ':x: web: com.acme:web 1.4.2 failed in prod: smoke tests failed' }]);
  });

  it('posts an event delivered twice once', async () => {
    const event = deploymentEvent('deploydb.deployment.completed');
    await handle(event);
    await subscription().handle(event, { deliveryCount: 2 });
    expect(server.posts).toHaveLength(1);
  });

  it('posts nothing for other events', async () => {
    await handle(deploymentEvent('deploydb.deployment.started'));
    expect(server.posts).toEqual([]);
  });
});
