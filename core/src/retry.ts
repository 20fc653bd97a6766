/**
 * The one retry policy of DeployDB: attempts with exponential backoff and full jitter, a timeout
 * per attempt, and an abort signal that ends the waiting. Everything that tries again (the HTTP
 * client plugins get, and whatever else talks to something that may be briefly away) uses this.
 */

export interface RetryOptions {
  /** Further attempts after the first (default 2). */
  retries?: number;
  /** The wait before the first retry, before jitter (default 200 ms). */
  minDelayMs?: number;
  /** The longest wait between attempts (default 5 000 ms). */
  maxDelayMs?: number;
  /** Whether a failure is worth another attempt (default: every failure). */
  shouldRetry?(error: unknown, attempt: number): boolean;
  /** Ends the retries (and the wait) with the signal's reason. */
  signal?: AbortSignal;
  /** Called before each wait, e.g. to log the failure. */
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
  /** For tests: where the jitter comes from (default Math.random). */
  random?: () => number;
}

/** The wait before retry number `attempt` (1 for the first retry): exponential, capped, full jitter. */
export function backoffDelay(attempt: number, { minDelayMs = 200, maxDelayMs = 5_000, random = Math.random }: RetryOptions = {}): number {
  const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Runs `attempt` until it resolves, a failure is not worth retrying, or the retries run out (then its last error is thrown). */
export async function retry<T>(attempt: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 2;
  for (let n = 1; ; n++) {
    options.signal?.throwIfAborted();
    try {
      return await attempt(n);
    } catch (error) {
      if (n > retries || options.signal?.aborted || !(options.shouldRetry?.(error, n) ?? true)) throw error;
      const delay = backoffDelay(n, options);
      options.onRetry?.(error, n, delay);
      await sleep(delay, options.signal);
    }
  }
}

/** A TimeoutError when `promise` takes longer than `ms`; the timer never holds the process open. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = 'the operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What {@link withTimeout} rejects with. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Waits `ms`, or until `signal` aborts (rejecting with its reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** One line about a failed fetch: the cause's code and message when there is one (`ECONNREFUSED`), else the error's message. */
export function describeFetchError(error: unknown): string {
  const failure = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (failure?.name === 'TimeoutError' || failure?.name === 'AbortError') return failure.message ?? 'timed out';
  const cause = failure?.cause;
  if (cause?.code) return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` (${cause.message})` : ''}`;
  return failure?.message ?? String(error);
}
