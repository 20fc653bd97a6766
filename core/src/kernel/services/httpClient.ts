import { retry, withTimeout } from '../../retry.js';
import type { HttpClient, HttpRequestOptions } from '../../plugin-api/coreServices.js';

/** Methods that may be sent again without doing twice what they do. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
/** Answers that say "try again later" rather than "no". */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/** Says that an answer is worth another attempt; carries it for when the attempts run out. */
class RetryableAnswer extends Error {
  constructor(readonly response: Response) {
    super(`HTTP ${response.status}`);
  }
}

/**
 * The HTTP client plugins get (`coreServices.httpClient`): `fetch` with a timeout per attempt and
 * the core retry policy for network errors, timeouts and 429/502/503/504. When the attempts run
 * out on such an answer, that answer is returned; a network error is thrown.
 */
export function createHttpClient(fetcher: typeof fetch = fetch): HttpClient {
  return {
    async fetch(url, options: HttpRequestOptions = {}) {
      const { timeoutMs = 10_000, retries, signal, ...init } = options;
      const method = (init.method ?? 'GET').toUpperCase();
      try {
        return await retry(
          async () => {
            const attempt = signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
            const response = await withTimeout(fetcher(url, { ...init, signal: attempt }), timeoutMs + 1_000, `${method} ${String(url)}`);
            if (RETRYABLE_STATUSES.has(response.status)) throw new RetryableAnswer(response);
            return response;
          },
          { retries: retries ?? (IDEMPOTENT.has(method) ? 2 : 0), signal: signal ?? undefined },
        );
      } catch (error) {
        if (error instanceof RetryableAnswer) return error.response;
        throw error;
      }
    },
  };
}
