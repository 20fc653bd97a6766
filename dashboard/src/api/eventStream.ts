import type { DeployDbEvent } from './types';

export type StreamState = 'connecting' | 'live' | 'unavailable';

export interface EventStreamOptions {
  url: string;
  token: string | null;
  onEvent(event: DeployDbEvent): void;
  onState(state: StreamState): void;
  signal: AbortSignal;
}

const RETRY_MS = [1000, 2000, 5000, 10000, 30000];

/**
 * Reads Server-Sent Events with fetch rather than EventSource, which cannot send an
 * Authorization header: the token stays in a header and out of URLs that end up in logs.
 * Reconnects with `Last-Event-ID`, so events missed meanwhile still arrive.
 */
export async function readEventStream({ url, token, onEvent, onState, signal }: EventStreamOptions): Promise<void> {
  let lastEventId: string | null = null;
  let failures = 0;
  while (!signal.aborted) {
    onState('connecting');
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (lastEventId) headers['last-event-id'] = lastEventId;
      const response = await fetch(url, { headers, signal, cache: 'no-store' });
      if (!response.ok || !response.body || !/^text\/event-stream/.test(response.headers.get('content-type') ?? '')) {
        throw new Error(`event stream answered ${response.status}`);
      }
      onState('live');
      failures = 0;
      for await (const message of messages(response.body, signal)) {
        if (message.id) lastEventId = message.id;
        if (!message.data) continue;
        try {
          onEvent(JSON.parse(message.data) as DeployDbEvent);
        } catch {
          // A message that is not a CloudEvent is not ours to show.
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    onState('unavailable');
    await sleep(RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]!, signal);
    failures += 1;
  }
}

interface SseMessage {
  id: string | null;
  event: string | null;
  data: string;
}

/** The messages of an event stream, per the HTML standard's parsing rules (comments skipped). */
async function* messages(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const stop = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', stop, { once: true });
  let buffer = '';
  let message: SseMessage = { id: null, event: null, data: '' };
  let hasData = false;
  let endedWithCr = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      let text = decoder.decode(value, { stream: true });
      // A CR ending the last chunk and an LF starting this one are one line break, not two.
      if (endedWithCr && text.startsWith('\n')) text = text.slice(1);
      endedWithCr = text.endsWith('\r');
      buffer += text;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') {
          if (hasData || message.id) yield message;
          message = { id: null, event: null, data: '' };
          hasData = false;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') {
          message.data = hasData ? `${message.data}\n${value}` : value;
          hasData = true;
        } else if (field === 'id') message.id = value;
        else if (field === 'event') message.event = value;
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
