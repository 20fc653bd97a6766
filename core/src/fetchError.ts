/** What an operator should read for the socket errors fetch (undici) hides in `cause`. */
const IN_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  UND_ERR_SOCKET: 'connection reset',
  EPIPE: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'host unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

/**
 * One line about a failed request, for logs, evidence and delivery records: `connection refused`
 * rather than fetch's `TypeError: fetch failed`; an unknown socket error as its message and code;
 * a timeout or an abort as its message.
 */
export function describeFetchError(error: unknown): string {
  const failure = error as { name?: unknown; message?: unknown; cause?: unknown } | null | undefined;
  if (failure?.name === 'TimeoutError' || failure?.name === 'AbortError') return typeof failure.message === 'string' && failure.message ? failure.message : 'timed out';
  const cause = (failure?.cause ?? error) as { code?: unknown; message?: unknown } | null | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : null;
  if (code && IN_WORDS[code]) return IN_WORDS[code];
  const message = typeof cause?.message === 'string' && cause.message ? cause.message : String(cause);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}
