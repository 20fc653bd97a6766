import { expect, it, vi } from 'vitest';
import { WakeableLoop } from './wakeableLoop.js';

const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

it('runs one round at a time, another right after a wake during a round, none after stop', async () => {
  let rounds = 0;
  let active = 0;
  let overlap = false;
  const loop = new WakeableLoop({
    round: async () => {
      rounds += 1;
      active += 1;
      overlap ||= active > 1;
      await tick(30);
      active -= 1;
    },
    idleMs: 60_000,
    onError: () => undefined,
  });
  loop.start();
  loop.wake();
  loop.wake();
  await tick(120);
  expect(rounds).toBe(2);
  expect(overlap).toBe(false);
  await loop.stop();
  loop.wake();
  await tick(50);
  expect(rounds).toBe(2);
});

it('goes on after a failed round, at once after "now", and holds wakes during a backoff', async () => {
  const answers: Array<number | 'now' | Error> = [new Error('down'), 'now', 200];
  let rounds = 0;
  const errors: unknown[] = [];
  const loop = new WakeableLoop({
    round: async () => {
      rounds += 1;
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return answer;
    },
    idleMs: 40,
    onError: (error) => errors.push(error),
  });
  loop.start();
  await tick(70); // failed round, idle 40 ms, "now" round, backoff round
  expect(rounds).toBe(3);
  expect(errors).toHaveLength(1);
  loop.wake();
  await tick(50);
  expect(rounds).toBe(3);
  await loop.stop();
});

/** Resolves once the promise callbacks pending now (a finished round's among them) have run, before any timer. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A promise with its resolve, to hold a round open until the test lets it finish. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

it('with gatherMs, answers wakes during a round with one more round, gatherMs after it', async () => {
  const gatherMs = 200;
  const starts: number[] = [];
  const ends: number[] = [];
  const first = gate();
  const loop = new WakeableLoop({
    round: async () => {
      starts.push(Date.now());
      if (starts.length === 1) await first.promise;
      ends.push(Date.now());
    },
    idleMs: 60_000,
    gatherMs,
    onError: () => undefined,
  });
  loop.start();
  expect(starts).toHaveLength(1);
  loop.wake();
  loop.wake();
  loop.wake();
  first.open();
  await nextTurn(); // the first round is over: the loop gathers
  expect(ends).toHaveLength(1);
  loop.wake();
  loop.wake();
  expect(starts).toHaveLength(1);
  await tick(20);
  loop.wake();
  expect(starts).toHaveLength(1);
  await vi.waitFor(() => expect(starts).toHaveLength(2), { timeout: 5_000, interval: 10 });
  expect(starts[1]! - ends[0]!).toBeGreaterThanOrEqual(gatherMs - 5);
  await tick(gatherMs * 2);
  expect(starts).toHaveLength(2); // the wakes while gathering were taken by that one round
  await loop.stop();
});

it('with gatherMs, runs a round at once when woken while idle', async () => {
  const gatherMs = 5_000;
  const starts: number[] = [];
  const loop = new WakeableLoop({
    round: async () => {
      starts.push(Date.now());
    },
    idleMs: 60_000,
    gatherMs,
    onError: () => undefined,
  });
  const started = Date.now();
  loop.start();
  expect(starts).toHaveLength(1);
  await tick(50); // idle
  const woken = Date.now();
  loop.wake();
  expect(starts).toHaveLength(2);
  expect(starts[0]! - started).toBeLessThan(gatherMs / 2);
  expect(starts[1]! - woken).toBeLessThan(gatherMs / 2);
  await loop.stop();
});

it('with gatherMs, runs the next round at once after a round answering "now", even when woken during it', async () => {
  const gatherMs = 10_000;
  const answers: Array<'now' | void> = ['now'];
  let rounds = 0;
  const loop = new WakeableLoop({
    round: async () => {
      rounds += 1;
      await tick(10);
      return answers.shift();
    },
    idleMs: 60_000,
    gatherMs,
    onError: () => undefined,
  });
  const started = Date.now();
  loop.start();
  loop.wake();
  await vi.waitFor(() => expect(rounds).toBe(2), { timeout: 3_000, interval: 10 });
  expect(Date.now() - started).toBeLessThan(gatherMs);
  await tick(100);
  expect(rounds).toBe(2);
  await loop.stop();
});

it('with gatherMs, runs the next round right after a round during which hurry() was called', async () => {
  const gatherMs = 10_000;
  let rounds = 0;
  const first = gate();
  const loop = new WakeableLoop({
    round: async () => {
      rounds += 1;
      if (rounds === 1) await first.promise;
    },
    idleMs: 60_000,
    gatherMs,
    onError: () => undefined,
  });
  const started = Date.now();
  loop.start();
  loop.hurry();
  loop.wake();
  first.open();
  await vi.waitFor(() => expect(rounds).toBe(2), { timeout: 3_000, interval: 10 });
  expect(Date.now() - started).toBeLessThan(gatherMs / 2);
  await tick(100);
  expect(rounds).toBe(2);
  await loop.stop();
});

it('with gatherMs, ends a gathering wait on hurry(), but not a backoff', async () => {
  const gatherMs = 10_000;
  const answers: Array<number | void> = [undefined, 5_000];
  let rounds = 0;
  const first = gate();
  const loop = new WakeableLoop({
    round: async () => {
      rounds += 1;
      if (rounds === 1) await first.promise;
      return answers.shift();
    },
    idleMs: 60_000,
    gatherMs,
    onError: () => undefined,
  });
  loop.start();
  loop.wake(); // during the first round: the loop gathers for gatherMs after it
  first.open();
  await tick(50);
  expect(rounds).toBe(1);
  loop.hurry(); // ends the gathering wait
  await vi.waitFor(() => expect(rounds).toBe(2), { timeout: 3_000, interval: 10 });
  await tick(50);
  loop.hurry(); // the second round asked for a backoff: it holds
  await tick(200);
  expect(rounds).toBe(2);
  await loop.stop();
});

it('with gatherMs, holds wakes for the backoff a round asked for rather than for gatherMs', async () => {
  const gatherMs = 10_000;
  const answers: Array<number | void> = [80];
  const starts: number[] = [];
  const loop = new WakeableLoop({
    round: async () => {
      starts.push(Date.now());
      await tick(10);
      return answers.shift();
    },
    idleMs: 60_000,
    gatherMs,
    onError: () => undefined,
  });
  loop.start();
  loop.wake();
  await tick(30);
  loop.wake(); // during the backoff: waits for it
  expect(starts).toHaveLength(1);
  await vi.waitFor(() => expect(starts).toHaveLength(2), { timeout: 3_000, interval: 10 });
  expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(80);
  expect(starts[1]! - starts[0]!).toBeLessThan(gatherMs);
  await loop.stop();
});

it('without gatherMs (or with 0), runs the next round right after a round during which it was woken', async () => {
  for (const gatherMs of [undefined, 0]) {
    let rounds = 0;
    const first = gate();
    const loop = new WakeableLoop({
      round: async () => {
        rounds += 1;
        if (rounds === 1) await first.promise;
      },
      idleMs: 60_000,
      gatherMs,
      onError: () => undefined,
    });
    loop.start();
    loop.wake();
    loop.wake();
    first.open();
    // No timer between them: the next round starts in the turn the first one ends.
    await nextTurn();
    expect(rounds).toBe(2);
    await tick(50);
    expect(rounds).toBe(2);
    await loop.stop();
  }
});

it('runs no further round when stopped while gathering', async () => {
  let rounds = 0;
  const first = gate();
  const loop = new WakeableLoop({
    round: async () => {
      rounds += 1;
      if (rounds === 1) await first.promise;
    },
    idleMs: 60_000,
    gatherMs: 100,
    onError: () => undefined,
  });
  loop.start();
  loop.wake();
  first.open();
  await tick(20);
  await loop.stop();
  await tick(200);
  expect(rounds).toBe(1);
});
