import { describe, expect, it } from 'vitest';
import type { StreamEvent } from './streamFilter.js';
import { StreamClient } from './streamClient.js';

const event = (id: number): StreamEvent => ({ id, event: {} as never, frame: `id: e${id}\ndata: {}\n\n` });

async function readAll(client: StreamClient): Promise<string> {
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of client.body) text += decoder.decode(chunk);
  return text;
}

describe('StreamClient', () => {
  it('drops a client with more than its limit of events waiting, with a last comment, and forgets what waited', async () => {
    const gone: StreamClient[] = [];
    const client = new StreamClient(() => true, 3, (c) => gone.push(c));
    client.goLive();
    for (let id = 1; id <= 4; id += 1) client.sendLive(event(id));
    expect(client.gone).toBe(true);
    expect(gone).toEqual([client]);
    client.sendLive(event(5));
    expect(await readAll(client)).toBe(': dropped: more than 3 events were waiting for this client; reconnect with Last-Event-ID to resume\n\n');
  });

  it('sends what a slow reader is owed as long as it stays within the limit; comments do not count', async () => {
    const client = new StreamClient(() => true, 3, () => undefined);
    client.goLive();
    for (let id = 1; id <= 3; id += 1) client.sendLive(event(id));
    for (let i = 0; i < 10; i += 1) client.comment('keep-alive');
    client.end('bye');
    const text = await readAll(client);
    expect(text.match(/^id: .*/gm)).toEqual(['id: e1', 'id: e2', 'id: e3']);
    expect(text.endsWith(': bye\n\n')).toBe(true);
  });

  it('holds live events while catching up and sends them after the missed ones', async () => {
    const client = new StreamClient(() => true, 10, () => undefined);
    client.sendLive(event(7));
    client.sendMissed(event(5).frame);
    client.sendMissed(event(6).frame);
    client.goLive();
    client.sendLive(event(8));
    client.end('bye');
    expect((await readAll(client)).match(/^id: .*/gm)).toEqual(['id: e5', 'id: e6', 'id: e7', 'id: e8']);
  });

  it('skips live events the client already got elsewhere, unless they came late', async () => {
    const client = new StreamClient(() => true, 10, () => undefined);
    client.seenUpTo = 6;
    client.goLive();
    client.sendLive(event(6));
    client.sendLive({ ...event(4), late: true });
    client.sendLive(event(7));
    client.end('bye');
    expect((await readAll(client)).match(/^id: .*/gm)).toEqual(['id: e4', 'id: e7']);
  });

  it('frees what waited when the reader goes away', async () => {
    const gone: StreamClient[] = [];
    const client = new StreamClient(() => true, 10, (c) => gone.push(c));
    client.goLive();
    client.sendLive(event(1));
    await client.body.cancel();
    expect(client.gone).toBe(true);
    expect(gone).toContain(client);
  });
});
