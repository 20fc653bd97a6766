/** Time as the kernel sees it; tests may hand plugins a clock they move by hand. */
export interface Clock {
  now(): Date;
}

/** The machine's clock, which the kernel uses unless a test hands it another. */
export const systemClock: Clock = { now: () => new Date() };
