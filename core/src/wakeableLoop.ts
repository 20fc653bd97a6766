export interface WakeableLoopOptions {
  /**
   * One round of work. Its answer says when the next round is due if nothing wakes the loop:
   * `'now'`, a number of milliseconds (a backoff: wakes in the meantime wait for it too), or
   * nothing (the idle interval; a wake during the round runs the next one at once).
   */
  round: () => Promise<number | 'now' | void>;
  /** Milliseconds between rounds when nothing wakes the loop. */
  idleMs: number;
  /**
   * Woken during a round (work arrives faster than rounds finish), the next round waits this
   * long, so that it takes what gathered meanwhile in one batch (ms; 0: at once). A wake while
   * idle still runs a round at once.
   */
  gatherMs?: number;
  /** Told about a round that threw; the loop goes on. */
  onError: (error: unknown) => void;
}

/**
 * The loop of the background workers (outbox relay, promotion worker, queue consumers, webhook
 * sender): a round when woken (after a commit that made work) or after an idle interval, never
 * two rounds at once, a wake during a round answered by another round right after it.
 */
export class WakeableLoop {
  private running = false;
  private current: Promise<void> | null = null;
  private woken = false;
  /** A hurry during the round: the next round runs at once, without gathering. */
  private hurried = false;
  /** The hold in place is a gathering wait (a hurry ends it), not a backoff (nothing does). */
  private gathering = false;
  private timer: NodeJS.Timeout | null = null;
  /** Until when wakes wait (a round asked for a backoff). */
  private heldUntil = 0;

  constructor(private readonly options: WakeableLoopOptions) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    this.running = true;
    this.wake();
  }

  /** Runs a round now, or right after the one in progress (after `gatherMs` of gathering). */
  wake(): void {
    if (!this.running) return;
    if (this.current) {
      this.woken = true;
      return;
    }
    if (Date.now() < this.heldUntil) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.current = this.options
      .round()
      .catch((error: unknown) => {
        this.options.onError(error);
        return undefined;
      })
      .then((next) => {
        this.current = null;
        if (!this.running) return;
        const woken = this.woken;
        const hurried = this.hurried;
        this.woken = false;
        this.hurried = false;
        const hold = typeof next === 'number' ? next : woken ? (hurried ? 0 : (this.options.gatherMs ?? 0)) : null;
        this.gathering = typeof next !== 'number' && hold !== null;
        if (next === 'now' || hold === 0) {
          this.wake();
          return;
        }
        this.heldUntil = hold === null ? 0 : Date.now() + hold;
        this.timer = setTimeout(() => {
          this.heldUntil = 0;
          this.wake();
        }, hold ?? this.options.idleMs);
        this.timer.unref();
      });
  }

  /** As `wake`, without gathering: work is waiting. A backoff still holds. */
  hurry(): void {
    if (!this.running) return;
    if (this.current) {
      this.hurried = true;
      this.woken = true;
      return;
    }
    if (this.gathering) this.heldUntil = 0;
    this.wake();
  }

  /** No more rounds; resolves once the round in progress finished. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }
}
