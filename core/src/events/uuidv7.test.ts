import { describe, expect, it } from 'vitest';
import { uuidv7, uuidv7Time } from './uuidv7.js';

describe('uuidv7', () => {
  it('writes an RFC 4122 string of version 7 holding the time, variant 10', () => {
    const id = uuidv7(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7Time(id)).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  });

  it('sorts ids of later milliseconds after earlier ones, and differs within one', () => {
    const ids = [1_000, 1_001, 250_000_000_000, 1_800_000_000_000].map((ms) => uuidv7(ms));
    expect([...ids].sort()).toEqual(ids);
    expect(uuidv7(5)).not.toBe(uuidv7(5));
  });

  it('stays random across many ids (the pool of random bytes is refilled)', () => {
    const ids = Array.from({ length: 2000 }, () => uuidv7(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids.map((id) => id[19])).size).toBe(4);
  });

  it('reads no time from other UUIDs', () => {
    expect(uuidv7Time('c90fb7b8-0378-48ea-9451-f0a991c4a3ff')).toBeNull();
    expect(uuidv7Time('nope')).toBeNull();
  });
});
