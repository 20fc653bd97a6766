/**
 * Runs message handlers with a cap on how many run at once, while handlers that share a key
 * run one after another in the order they were submitted: that is what keeps one deployment's
 * events in publish order without serialising unrelated deployments.
 */
export class KeyedRunner {
  private readonly tails = new Map<string, Promise<void>>();
  private active = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** How many submitted tasks have not finished yet. */
  get pending(): number {
    return this.active;
  }

  /** Resolves once fewer than `limit` tasks are pending. */
  async slot(): Promise<void> {
    while (this.active >= this.limit) await this.changed();
  }

  /** Queues `task` behind earlier tasks of the same key (none without a key). Never rejects. */
  run(key: string | undefined, task: () => Promise<void>): void {
    this.active += 1;
    const previous = key === undefined ? undefined : this.tails.get(key);
    const done: Promise<void> = (previous ?? Promise.resolve())
      .then(task)
      .catch(() => undefined)
      .finally(() => {
        this.active -= 1;
        if (key !== undefined && this.tails.get(key) === done) this.tails.delete(key);
        this.notify();
      });
    if (key !== undefined) this.tails.set(key, done);
  }

  /** Resolves once every submitted task has finished. */
  async idle(): Promise<void> {
    while (this.active > 0) await this.changed();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
