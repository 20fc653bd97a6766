import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeFetchError } from './fetchError.js';

describe('describeFetchError', () => {
  it('says in words why a request to a closed port failed', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const failure = await fetch(`http://127.0.0.1:${port}/`).catch((error: unknown) => error);
    expect(describeFetchError(failure)).toBe('connection refused');
  });

  it('keeps the message and code of a socket error it has no words for', () => {
    const failure = new TypeError('fetch failed', { cause: Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }) });
    expect(describeFetchError(failure)).toBe('certificate has expired (CERT_HAS_EXPIRED)');
  });

  it('answers a timeout or an abort by its own message', () => {
    expect(describeFetchError(new DOMException('The operation timed out.', 'TimeoutError'))).toBe('The operation timed out.');
    expect(describeFetchError(new DOMException('This operation was aborted', 'AbortError'))).toBe('This operation was aborted');
    expect(describeFetchError(new Error('plain'))).toBe('plain');
    expect(describeFetchError('a string')).toBe('a string');
  });
});
