import type { DeployDbConfig, WebhookConfig } from '../../config/model.js';
import type { Clock } from '../../plugin-api/clock.js';
import { systemClock } from '../../plugin-api/clock.js';
import type { Logger } from '../../plugin-api/logger.js';
import type { Database } from '../../store/database.js';
import { VERSION } from '../../version.js';
import { describeFetchError } from '../../fetchError.js';
import { exponentialDelay } from '../../retry.js';
import { WakeableLoop } from '../../wakeableLoop.js';
import { PeriodicVacuum } from '../../store/periodicVacuum.js';
import { claimDue, recordOutcomes, type ClaimedDelivery, type DeliveryOutcome } from './deliveryStore.js';
import { secretKey, webhookHeaders } from './signature.js';
import { webhookFor } from './webhookMatch.js';

export interface WebhookSenderOptions {
  db: Database;
  /** The current configuration: secrets and retry policies are read at send time, never stored. */
  config: () => DeployDbConfig;
  logger: Logger;
  clock?: Clock;
  /** POSTs in flight at once, over all receivers (default 64). */
  concurrency?: number;
  /** How long a receiver has to answer (default 15 s, CONTRACT §5). */
  timeoutMs?: number;
  /** Look for due deliveries even when nothing woke the sender (default 1 s): retries, other instances' inserts. */
  pollMs?: number;
  /** How long a claimed delivery stays ours; must outlast a POST (default 60 s). */
  leaseSeconds?: number;
  /** On stop, how long POSTs in flight may go on before they are aborted (default 10 s). */
  stopGraceMs?: number;
  /** Random part of a retry delay, as a fraction either way (default 0.2). */
  jitter?: number;
  /** Outcomes recorded between two vacuums of `webhook_due` (5 000; see store/periodicVacuum.ts). */
  vacuumEvery?: number;
}

const MAX_RETRY_DELAY_SECONDS = 3600;
const ERROR_TEXT_LIMIT = 500;
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * Sends pending webhook deliveries: claims due ones, POSTs each (bounded concurrency, keep-alive
 * connections of the global fetch), records the outcome. A 2xx answer is delivered; anything
 * else, or no answer within the timeout, is tried again after `backoff × 2^(attempts−1)`
 * seconds (capped at an hour, ±jitter) until the delivery runs out of attempts and is failed.
 * Never runs in an HTTP request: it is woken by the dispatcher and polls otherwise.
 */
export class WebhookSender {
  private readonly inFlight = new Set<Promise<void>>();
  /** Claimed ahead of free slots, so that a slot freed while a claim runs is filled at once. */
  private readonly ready: Array<{ delivery: ClaimedDelivery; claimedAt: number }> = [];
  private readonly stopController = new AbortController();
  private readonly writer: OutcomeWriter;
  private readonly keys = new Map<string, Buffer>();
  private readonly concurrency: number;
  private readonly leaseSeconds: number;
  private readonly loop: WakeableLoop;
  private stopping: Promise<void> | null = null;
  private readonly userAgent = `DeployDB/${VERSION}`;

  constructor(private readonly options: WebhookSenderOptions) {
    this.writer = new OutcomeWriter(options.db, options.logger, new PeriodicVacuum(options.db, 'webhook_due', options.vacuumEvery ?? 5_000, options.logger));
    this.concurrency = Math.max(1, options.concurrency ?? 64);
    this.leaseSeconds = options.leaseSeconds ?? 60;
    this.loop = new WakeableLoop({
      round: () => this.claimRound(),
      idleMs: options.pollMs ?? 1000,
      onError: (error) => options.logger.warn({ err: error }, 'webhooks: claiming deliveries failed'),
    });
  }

  private get running(): boolean {
    return this.loop.isRunning;
  }

  start(): void {
    if (this.running || this.stopping) return;
    this.loop.start();
  }

  /** Look for due deliveries now (after deliveries were inserted or re-queued). */
  wake(): void {
    this.loop.wake();
  }

  /**
   * Stops claiming, lets POSTs in flight finish for the grace period, then aborts the rest.
   * Deliveries not sent (claimed ahead, or aborted) go back to the pool untried; the call
   * returns once every outcome is written.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.loop.stop();
      for (const { delivery } of this.ready.splice(0)) this.release(delivery);
      if (this.inFlight.size > 0) {
        let grace: NodeJS.Timeout | undefined;
        const graceOver = new Promise<void>((resolve) => (grace = setTimeout(resolve, this.options.stopGraceMs ?? 10_000)));
        await Promise.race([Promise.allSettled([...this.inFlight]), graceOver]);
        clearTimeout(grace);
        this.stopController.abort(new Error('DeployDB is stopping'));
        await Promise.allSettled([...this.inFlight]);
      }
      await this.writer.idle();
    })();
    return this.stopping;
  }

  /** Claims up to a window beyond the deliveries in flight, and starts what fits. */
  private async claimRound(): Promise<void> {
    const wanted = 2 * this.concurrency - this.inFlight.size - this.ready.length;
    if (this.ready.length >= this.concurrency || wanted <= 0) return;
    const claimed = await claimDue(this.options.db, wanted, this.leaseSeconds);
    const claimedAt = performance.now();
    for (const delivery of claimed) this.ready.push({ delivery, claimedAt });
    this.fill();
  }

  private fill(): void {
    while (this.running && this.inFlight.size < this.concurrency && this.ready.length > 0) {
      const { delivery, claimedAt } = this.ready.shift()!;
      // Slow receivers held every slot while this one waited: its lease may run out mid-POST
      // and another instance take it, so it goes back instead.
      if (performance.now() - claimedAt > (this.leaseSeconds * 1000) / 2) {
        this.release(delivery);
        continue;
      }
      const work = this.deliver(delivery)
        .then((outcome) => this.writer.write(outcome))
        .catch((error) => this.options.logger.warn({ err: error, delivery: delivery.id }, 'webhooks: recording an outcome failed; the delivery is tried again when its lease runs out'))
        .finally(() => {
          this.inFlight.delete(work);
          this.fill();
          // A finished delivery may have made the next event of its deployment due.
          if (this.ready.length < this.concurrency) this.wake();
        });
      this.inFlight.add(work);
    }
  }

  private release(delivery: ClaimedDelivery): void {
    this.writer.write({ kind: 'released', id: delivery.id, lease: delivery.lease }).catch(() => undefined);
  }

  private async deliver(delivery: ClaimedDelivery): Promise<DeliveryOutcome> {
    const { id, lease } = delivery;
    const webhook = webhookFor(this.options.config().webhooks, delivery.url);
    if (!webhook) return { kind: 'abandoned', id, lease, error: 'the webhook for this URL is no longer configured' };
    const body = JSON.stringify(delivery.event);
    const headers = webhookHeaders(delivery.eventId, body, this.keyOf(webhook), (this.options.clock ?? systemClock).now());
    headers['user-agent'] = this.userAgent;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 15_000);
    let statusCode: number | null = null;
    let error: string;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([timeout, this.stopController.signal]),
      });
      statusCode = response.status;
      const text = await readAnswer(response);
      if (response.ok) return { kind: 'delivered', id, lease, statusCode };
      error = `the receiver answered ${response.status}${text ? `: ${text.slice(0, ERROR_TEXT_LIMIT)}` : ''}`;
    } catch (failure) {
      if (this.stopController.signal.aborted) return { kind: 'released', id, lease };
      const seconds = (this.options.timeoutMs ?? 15_000) / 1000;
      if (!timeout.aborted) error = describeFetchError(failure).slice(0, ERROR_TEXT_LIMIT);
      else error = statusCode === null ? `no answer within ${seconds} s` : `the answer (${statusCode}) did not end within ${seconds} s`;
    }
    const attempts = delivery.attempts + 1;
    if (attempts < delivery.maxAttempts) {
      this.options.logger.debug({ delivery: id, url: delivery.url, attempts, error }, 'webhooks: delivery failed; will try again');
    } else {
      this.options.logger.warn({ delivery: id, url: delivery.url, attempts, error }, 'webhooks: delivery failed for good');
    }
    return { kind: 'attempt_failed', id, lease, statusCode, error, retryInSeconds: retryDelaySeconds(webhook.retry.backoff, attempts, this.options.jitter ?? 0.2) };
  }

  private keyOf(webhook: WebhookConfig): Buffer | null {
    if (!webhook.secret) return null;
    let key = this.keys.get(webhook.secret);
    if (!key) {
      // Secrets change only with a reload; the cache stays as small as the configuration.
      if (this.keys.size > 1000) this.keys.clear();
      key = secretKey(webhook.secret);
      this.keys.set(webhook.secret, key);
    }
    return key;
  }
}

/**
 * Seconds before the next try after `attempts` tries: `backoff × 2^(attempts−1)`, capped at an
 * hour, spread by ±`jitter` so that deliveries failed together do not all come back together.
 */
export function retryDelaySeconds(backoff: number, attempts: number, jitter: number, random: () => number = Math.random): number {
  const base = exponentialDelay(attempts, backoff, MAX_RETRY_DELAY_SECONDS);
  return Math.min(base * (1 - jitter + 2 * jitter * random()), MAX_RETRY_DELAY_SECONDS);
}

/**
 * Reads a receiver's answer to its end, which is what lets the connection be reused, keeping
 * only its start for the error message; an endless answer is cut off (and its connection closed).
 */
async function readAnswer(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const kept: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size < ERROR_TEXT_LIMIT) kept.push(value);
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return size === 0 ? '' : Buffer.concat(kept).toString('utf8').slice(0, ERROR_TEXT_LIMIT);
}

/**
 * Writes outcomes in batches: those that arrive while a write is running go together in the
 * next one, so a busy sender makes a handful of UPDATEs a second, not one per delivery.
 */
class OutcomeWriter {
  private queue: Array<{ outcome: DeliveryOutcome; resolve: () => void; reject: (error: unknown) => void }> = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    /** Outcomes take deliveries off `webhook_due`: counted toward its next vacuum. */
    private readonly vacuum: PeriodicVacuum,
  ) {}

  write(outcome: DeliveryOutcome): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ outcome, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = null;
      // Outcomes that came in as the last batch finished would otherwise wait for the next write.
      if (this.queue.length > 0) this.kick();
    });
  }

  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, 500);
      try {
        await recordOutcomes(
          this.db,
          batch.map((b) => b.outcome),
        );
        for (const b of batch) b.resolve();
        await this.vacuum.taken(batch.length);
      } catch (error) {
        this.logger.debug({ err: error, count: batch.length }, 'webhooks: writing outcomes failed');
        for (const b of batch) b.reject(error);
      }
    }
  }
}
