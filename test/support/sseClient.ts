import { createParser } from 'eventsource-parser';

export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: any;
}

/** A client of `GET /api/events/stream`, reading with fetch as a browser's EventSource would. */
export interface SseClient {
  status: number;
  events: SseEvent[];
  comments: string[];
  /** Resolves when at least `count` events have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves when a comment containing `text` has arrived. */
  waitForComment(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ended the response. */
  ended: Promise<void>;
  close(): void;
}

export async function openStream(baseUrl: string, options: { query?: string; token?: string; lastEventId?: string } = {}): Promise<SseClient> {
  const abort = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
  const response = await fetch(`${baseUrl}/api/events/stream${options.query ? `?${options.query}` : ''}`, { headers, signal: abort.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let changed: () => void = () => undefined;
  const parser = createParser({
    onEvent: (message) => {
      events.push({ id: message.id, event: message.event, data: JSON.parse(message.data) });
      changed();
    },
    onComment: (comment) => {
      comments.push(comment.trim());
      changed();
    },
  });
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch {
      // aborted by close()
    }
    changed();
  })();
  let done = false;
  void ended.then(() => (done = true));
  const until = async (ready: () => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (done) throw new Error(`the stream ended before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${events.length} events, comments ${JSON.stringify(comments)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        changed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  return {
    status: response.status,
    events,
    comments,
    async waitFor(count, timeoutMs = 10_000) {
      await until(() => events.length >= count, timeoutMs, `${count} events`);
      return events;
    },
    async waitForComment(text, timeoutMs = 10_000) {
      await until(() => comments.some((c) => c.includes(text)), timeoutMs, `a comment "${text}"`);
    },
    ended,
    close: () => abort.abort(),
  };
}
