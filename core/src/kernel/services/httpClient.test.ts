import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient } from './httpClient.js';

describe('the HTTP client plugins get', () => {
  const seen: string[] = [];
  let answers: Array<number | 'hang'> = [];
  const server = http.createServer((req, res) => {
    seen.push(req.method!);
    const answer = answers.shift() ?? 200;
    if (answer === 'hang') return;
    res.writeHead(answer).end(String(answer));
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
    answers = [];
  });

  it('tries a GET again after 503 and answers the success', async () => {
    answers = [503, 502, 200];
    const response = await createHttpClient().fetch(url);
    expect(response.status).toBe(200);
    expect(seen).toEqual(['GET', 'GET', 'GET']);
  });

  it('answers the last retryable answer when the retries run out', async () => {
    answers = [503, 503, 503, 503];
    const response = await createHttpClient().fetch(url, { retries: 1 });
    expect(response.status).toBe(503);
    expect(seen).toHaveLength(2);
  });

  it('sends a POST once unless told to retry, and never retries a 4xx', async () => {
    answers = [503];
    expect((await createHttpClient().fetch(url, { method: 'POST', body: '{}' })).status).toBe(503);
    answers = [404];
    expect((await createHttpClient().fetch(url)).status).toBe(404);
    expect(seen).toEqual(['POST', 'GET']);
  });

  it('gives up on an attempt that takes longer than its timeout', async () => {
    answers = ['hang', 'hang'];
    await expect(createHttpClient().fetch(url, { timeoutMs: 100, retries: 1 })).rejects.toThrow();
    expect(seen).toEqual(['GET', 'GET']);
  });
});
