import { describe, expect, it } from 'vitest';
import { isDeployDbError } from '../errors.js';
import { momentOf } from './moments.js';

describe('momentOf', () => {
  it('reads ISO-8601 moments in UTC, with an offset, in either case, and a date alone as its midnight UTC', () => {
    expect(momentOf('2026-03-01T12:30:00Z', 'at')?.toISOString()).toBe('2026-03-01T12:30:00.000Z');
    expect(momentOf('2026-03-01T12:30:00.5+02:00', 'at')?.toISOString()).toBe('2026-03-01T10:30:00.500Z');
    expect(momentOf('2026-03-01t12:30:00z', 'at')?.toISOString()).toBe('2026-03-01T12:30:00.000Z');
    expect(momentOf('2026-03-01', 'at')?.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(momentOf(undefined, 'at')).toBeUndefined();
  });

  it('takes a moment outside the years 0001..9999 (in UTC) as the nearest one the database keeps', () => {
    expect(momentOf('0000-06-01T00:00:00Z', 'from')?.toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(momentOf('0001-01-01T00:00:00+05:00', 'from')?.toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(momentOf('9999-12-31T23:59:59-05:00', 'to')?.toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });

  it('refuses what is no real time with 400 naming the parameter', () => {
    for (const bad of ['2026-13-01T00:00:00Z', '2026-02-30', 'yesterday', '']) {
      let thrown: unknown;
      try {
        momentOf(bad, 'to');
      } catch (error) {
        thrown = error;
      }
      expect(isDeployDbError(thrown) && thrown.code === 'bad_request' ? thrown.details : null, bad).toEqual([{ path: '/to', message: 'not an ISO-8601 time' }]);
    }
  });
});
