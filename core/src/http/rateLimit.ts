import type { Clock } from '../plugin-api/clock.js';

const MINUTE_MS = 60_000;

interface Bucket {
  /**
   * What the bucket holds, in integer units so that refills add up exactly: a request costs
   * {@link MINUTE_MS} units, and every millisecond adds `perMinute` of them.
   */
  credit: number;
  /** When `credit` was last brought up to date (epoch ms). */
  at: number;
}

/**
 * `server.rateLimit`: a token bucket per key (a token's name, or a client address), holding up to
 * `perMinute` requests and refilled at `perMinute` a minute, so a quiet caller may burst up to
 * the limit at once.
 *
 * A bucket left alone for a minute is full again, which is what an absent bucket means: such
 * buckets are dropped (at most once a minute, by the next request), so the map only holds keys
 * that made requests within the last two minutes, however many come and go.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly capacity: number;
  private nextSweep: number;

  constructor(
    private readonly perMinute: number,
    private readonly clock: Clock,
  ) {
    this.capacity = perMinute * MINUTE_MS;
    this.nextSweep = clock.now().getTime() + MINUTE_MS;
  }

  /**
   * Takes one request from `key`'s bucket. Answers 0 when it may go ahead, else the whole seconds
   * (1..60) until the bucket holds a request again: the `Retry-After` to answer with.
   */
  take(key: string): number {
    const now = this.clock.now().getTime();
    if (now >= this.nextSweep) this.sweep(now);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { credit: this.capacity, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.credit = this.creditAt(bucket, now);
      bucket.at = now;
    }
    if (bucket.credit >= MINUTE_MS) {
      bucket.credit -= MINUTE_MS;
      return 0;
    }
    const waitMs = Math.ceil((MINUTE_MS - bucket.credit) / this.perMinute);
    return Math.min(60, Math.max(1, Math.ceil(waitMs / 1000)));
  }

  /** Buckets held in memory (those not known to be full). */
  get size(): number {
    return this.buckets.size;
  }

  /** A clock that went back refills nothing, rather than taking credit away. */
  private creditAt(bucket: Bucket, now: number): number {
    return Math.min(this.capacity, bucket.credit + Math.max(0, now - bucket.at) * this.perMinute);
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (this.creditAt(bucket, now) >= this.capacity) this.buckets.delete(key);
    }
    this.nextSweep = now + MINUTE_MS;
  }
}
