import type { CloudEvent } from '../cloudEvent.js';
import type { StreamEvent } from './streamFilter.js';

const encoder = new TextEncoder();

/** How long an ended client has to read its last frames before its connection is closed (ms). */
const FORCE_CLOSE_MS = 5_000;

/**
 * One connected client of the event stream: the frames waiting for it, at most `limit` events,
 * and the body of its response, which takes them as fast as the client reads. Live events that
 * arrive while its missed events are still being read are held back, then sent after them.
 */
export class StreamClient {
  readonly body: ReadableStream<Uint8Array>;
  /**
   * Live events up to this outbox position (late ones aside) reached the client before it
   * reconnected here: through another instance whose reader was ahead of this one.
   */
  seenUpTo = 0;
  private waiting: string[] = [];
  /** Events (not comments) among `waiting` and `held`. */
  private count = 0;
  /** Live frames held back while catching up; null once live. */
  private held: string[] | null = [];
  private wake: (() => void) | null = null;
  private roomWaiters: Array<() => void> = [];
  private ended = false;
  private disposed = false;

  constructor(
    readonly matches: (event: CloudEvent) => boolean,
    private readonly limit: number,
    /** Told when the client is gone: it disconnected, overflowed or was ended (maybe more than once). */
    private readonly onGone: (client: StreamClient) => void,
    /** Closes the connection outright: for a client that does not read its last frames. */
    private readonly forceClose: () => void = () => undefined,
  ) {
    this.body = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          while (this.waiting.length === 0 && !this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
          if (this.waiting.length > 0) {
            const chunk = this.waiting.join('');
            this.waiting = [];
            this.count = this.held?.length ?? 0;
            controller.enqueue(encoder.encode(chunk));
            this.freeRoom();
            return;
          }
          controller.close();
          this.dispose();
        },
        cancel: () => {
          this.ended = true;
          this.dispose();
        },
      },
      { highWaterMark: 0 },
    );
  }

  get gone(): boolean {
    return this.ended;
  }

  /** An event read while catching up (it goes before the held live ones). */
  sendMissed(frame: string): void {
    this.push(frame, true);
  }

  /** A live event: sent, or held while catching up. */
  sendLive(event: StreamEvent): void {
    if (this.ended || (event.id <= this.seenUpTo && !event.late)) return;
    const frame = event.frame;
    if (this.held) {
      this.held.push(frame);
      this.count += 1;
      this.checkLimit();
      return;
    }
    this.push(frame, true);
  }

  /** Resolves once at most half the limit is waiting (or the client is gone): when to read the next page of missed events. */
  room(): Promise<void> {
    if (this.ended || this.count <= this.limit / 2) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Catching up is done: the held live events follow. */
  goLive(): void {
    if (!this.held) return;
    const held = this.held;
    this.held = null;
    for (const frame of held) this.waiting.push(frame);
    this.notify();
  }

  /** A comment line (keep-alive, notices); never counts against the limit. */
  comment(text: string): void {
    this.push(`: ${text}\n\n`, false);
  }

  /** Ends the response after what is waiting, with a last comment saying why. */
  end(reason: string): void {
    if (this.ended) return;
    this.comment(reason);
    this.ended = true;
    this.held = null;
    this.notify();
    this.freeRoom();
    this.onGone(this);
    setTimeout(() => {
      if (!this.disposed) this.forceClose();
    }, FORCE_CLOSE_MS).unref();
  }

  private push(frame: string, isEvent: boolean): void {
    if (this.ended) return;
    this.waiting.push(frame);
    if (isEvent) {
      this.count += 1;
      if (!this.checkLimit()) return;
    }
    this.notify();
  }

  /** A client that falls too far behind is dropped (it may reconnect with Last-Event-ID); false when dropped. */
  private checkLimit(): boolean {
    if (this.count <= this.limit) return true;
    this.waiting = [];
    this.held = null;
    this.count = 0;
    this.end(`dropped: more than ${this.limit} events were waiting for this client; reconnect with Last-Event-ID to resume`);
    return false;
  }

  private freeRoom(): void {
    if (!this.ended && this.count > this.limit / 2) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.waiting = [];
    this.held = null;
    this.freeRoom();
    this.onGone(this);
  }
}
