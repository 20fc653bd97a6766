/** Time as the kernel sees it; tests may hand plugins a clock they move by hand. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
