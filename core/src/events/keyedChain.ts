/**
 * Runs tasks so that those with the same key run one after another, in submission order, while
 * tasks with different keys run side by side.
 */
export class KeyedChain {
  private readonly tails = new Map<string, Promise<void>>();

  run(key: string | undefined, task: () => Promise<void>): Promise<void> {
    if (key === undefined) return task();
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
