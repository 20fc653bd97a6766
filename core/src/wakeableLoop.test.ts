import { expect, it } from 'vitest';
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
