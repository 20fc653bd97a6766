import { describe, expect, it } from 'vitest';
import { backoffDelay, describeFetchError, retry, TimeoutError, withTimeout } from './retry.js';

describe('the retry policy', () => {
  it('tries again after failures and answers the first success', async () => {
    let calls = 0;
    const answer = await retry(
      async (attempt) => {
        calls += 1;
        if (attempt < 3) throw new Error(`failure ${attempt}`);
        return 'done';
      },
      { retries: 3, minDelayMs: 1 },
    );
    expect(answer).toBe('done');
    expect(calls).toBe(3);
  });

  it('throws the last failure when the retries run out', async () => {
    let calls = 0;
    await expect(retry(async (n) => Promise.reject(new Error(`failure ${(calls = n)}`)), { retries: 2, minDelayMs: 1 })).rejects.toThrow('failure 3');
    expect(calls).toBe(3);
  });

  it('does not retry what shouldRetry refuses', async () => {
    let calls = 0;
    await expect(retry(async () => Promise.reject(new Error(`no ${++calls}`)), { retries: 5, minDelayMs: 1, shouldRetry: () => false })).rejects.toThrow('no 1');
  });

  it('stops waiting when the signal aborts', async () => {
    const abort = new AbortController();
    const running = retry(async () => Promise.reject(new Error('down')), { retries: 5, minDelayMs: 10_000, signal: abort.signal, onRetry: () => abort.abort(new Error('stopped')) });
    await expect(running).rejects.toThrow('stopped');
  });

  it('backs off exponentially up to a ceiling, with jitter in the upper half', () => {
    const at = (attempt: number, random: number) => backoffDelay(attempt, { minDelayMs: 100, maxDelayMs: 1_000, random: () => random });
    expect([1, 2, 3, 4, 5].map((n) => at(n, 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(at(3, 0)).toBe(200);
  });

  it('times out a promise that takes too long', async () => {
    await expect(withTimeout(new Promise(() => undefined), 20, 'the call')).rejects.toBeInstanceOf(TimeoutError);
    await expect(withTimeout(Promise.resolve(7), 1_000)).resolves.toBe(7);
  });

  it('describes a failed fetch by its cause', async () => {
    const server = (await import('node:net')).createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const failure = await fetch(`http://127.0.0.1:${port}/`).catch((error: unknown) => error);
    expect(describeFetchError(failure)).toMatch(/^ECONNREFUSED/);
  });
});
