import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readEventStream, type StreamState } from '../src/api/eventStream';
import type { DeployDbEvent } from '../src/api/types';

const event = (id: string, type = 'deploydb.deployment.created'): DeployDbEvent => ({ id, type, time: '2026-01-01T00:00:00.000Z', subject: `deployments/${id}`, data: {} });

interface Connection {
  headers: http.IncomingHttpHeaders;
  response: http.ServerResponse;
}

/** A local server speaking `text/event-stream`, as GET /api/events/stream does. */
async function sseServer(answer: (connection: Connection, index: number) => void) {
  const connections: Connection[] = [];
  const server = http.createServer((request, response) => {
    const connection = { headers: request.headers, response };
    connections.push(connection);
    answer(connection, connections.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/events/stream`;
  return {
    url,
    connections,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

function startStream(response: http.ServerResponse) {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
}

async function until(check: () => boolean, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('readEventStream', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  function read(url: string, token: string | null = null) {
    const events: DeployDbEvent[] = [];
    const states: StreamState[] = [];
    const controller = new AbortController();
    const done = readEventStream({ url, token, signal: controller.signal, onEvent: (e) => events.push(e), onState: (s) => states.push(s) });
    cleanups.push(async () => {
      controller.abort();
      await done;
    });
    return { events, states };
  }

  it('passes on each event, whatever the chunking, skipping comments, with the token in a header', async () => {
    const server = await sseServer(({ response }) => {
      startStream(response);
      const text =
        `: keep-alive\n\nid: a1\nevent: deploydb.deployment.created\ndata: ${JSON.stringify(event('a1'))}\n\n` +
        `id: a2\r\nevent: deploydb.flow.completed\r\ndata: ${JSON.stringify(event('a2', 'deploydb.flow.completed'))}\r\n\r\n`;
      // Cut the text at awkward places: inside a field name, a JSON value, between \r and \n.
      const cuts = [5, 17, 40, 90, text.indexOf('\r\nevent') + 1, text.length - 3];
      let from = 0;
      for (const cut of cuts) {
        response.write(text.slice(from, cut));
        from = cut;
      }
      response.write(text.slice(from));
    });
    cleanups.push(server.close);
    const { events, states } = read(server.url, 'secret-token');
    await until(() => events.length === 2);
    expect(events.map((e) => [e.id, e.type])).toEqual([
      ['a1', 'deploydb.deployment.created'],
      ['a2', 'deploydb.flow.completed'],
    ]);
    expect(states).toEqual(['connecting', 'live']);
    expect(server.connections[0]!.headers.authorization).toBe('Bearer secret-token');
    expect(server.connections[0]!.headers.accept).toBe('text/event-stream');
    expect(server.url).not.toContain('secret-token');
  });

  it('joins multi-line data and ignores a message that is not JSON', async () => {
    const server = await sseServer(({ response }) => {
      startStream(response);
      const json = JSON.stringify(event('b1'), null, 1).split('\n');
      response.write(`data: not json\n\nid: b1\n${json.map((line) => `data: ${line}`).join('\n')}\n\n`);
    });
    cleanups.push(server.close);
    const { events } = read(server.url);
    await until(() => events.length === 1);
    expect(events[0]!.id).toBe('b1');
  });

  it('reconnects after the server closes, sending Last-Event-ID, and gets what it missed', async () => {
    const server = await sseServer(({ response }, index) => {
      startStream(response);
      if (index === 0) {
        response.end(`id: c1\ndata: ${JSON.stringify(event('c1'))}\n\n`);
        return;
      }
      response.write(`id: c2\ndata: ${JSON.stringify(event('c2'))}\n\n`);
    });
    cleanups.push(server.close);
    const { events, states } = read(server.url);
    await until(() => events.length === 2);
    expect(events.map((e) => e.id)).toEqual(['c1', 'c2']);
    expect(server.connections[1]!.headers['last-event-id']).toBe('c1');
    expect(states).toEqual(['connecting', 'live', 'unavailable', 'connecting', 'live']);
  });

  it('says the stream is unavailable when the server has none, and tries again', async () => {
    const server = await sseServer(({ response }, index) => {
      if (index === 0) {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end('{"error":{"code":"not_found","message":"no route","details":[]}}');
        return;
      }
      startStream(response);
      response.write(`id: d1\ndata: ${JSON.stringify(event('d1'))}\n\n`);
    });
    cleanups.push(server.close);
    const { events, states } = read(server.url);
    await until(() => events.length === 1);
    expect(states.slice(0, 4)).toEqual(['connecting', 'unavailable', 'connecting', 'live']);
  });
});
