import { performance } from 'node:perf_hooks';
import { describeFetchError } from '@deploydb/core';

/** What one probe of one URL found, as kept in the evidence. */
export interface ProbeOutcome {
  url: string;
  /** The HTTP status received, or null when no answer came. */
  status: number | null;
  /** Why the probe failed, or null when it passed. */
  error: string | null;
  /** How long the probe took, in milliseconds. */
  ms: number;
}

export interface ProbeOptions {
  method: 'GET' | 'HEAD' | 'POST';
  /** The exact status that makes the probe pass. */
  expectedStatus: number;
  /** Seconds before the probe gives up. */
  timeout: number;
  /** JSON body sent with POST. */
  body?: unknown;
  /** Aborts the probe when the evaluation itself is aborted. */
  signal: AbortSignal;
}

/**
 * Sends one request and compares its status with the expected one. Never throws for network
 * trouble: a refused connection, a timeout or a wrong status are all outcomes. Throws only when
 * `signal` (the evaluation's) is aborted, because then no conclusion may be drawn.
 */
export async function probe(url: string, options: ProbeOptions): Promise<ProbeOutcome> {
  const started = performance.now();
  const timeoutSignal = AbortSignal.timeout(Math.max(1, Math.round(options.timeout * 1000)));
  const signal = AbortSignal.any([options.signal, timeoutSignal]);
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const post = options.method === 'POST';
    const response = await fetch(url, {
      method: options.method,
      signal,
      // The status itself is what is checked, so a redirect must not be followed.
      redirect: 'manual',
      headers: post ? { 'content-type': 'application/json', 'user-agent': 'deploydb-promotion-webhook' } : { 'user-agent': 'deploydb-promotion-webhook' },
      body: post ? JSON.stringify(options.body ?? {}) : undefined,
    });
    // Drain the body so the connection is released; its content does not matter.
    await response.arrayBuffer().catch(() => undefined);
    const ms = elapsed();
    if (response.status === options.expectedStatus) return { url, status: response.status, error: null, ms };
    return { url, status: response.status, error: `got status ${response.status}, expected ${options.expectedStatus}`, ms };
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason ?? error;
    const ms = elapsed();
    if (timeoutSignal.aborted) return { url, status: null, error: `timed out after ${options.timeout}s`, ms };
    return { url, status: null, error: describeFetchError(error), ms };
  }
}
