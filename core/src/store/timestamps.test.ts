import { describe, expect, it } from 'vitest';
import { isoOfTimestamp, isoTime } from './timestamps.js';

describe('isoOfTimestamp', () => {
  it('rewrites a UTC timestamp with any number of fraction digits into ISO-8601 with milliseconds', () => {
    expect(isoOfTimestamp('2024-08-22 22:49:43+00')).toBe('2024-08-22T22:49:43.000Z');
    expect(isoOfTimestamp('2024-08-22 22:49:43.1+00')).toBe('2024-08-22T22:49:43.100Z');
    expect(isoOfTimestamp('2024-08-22 22:49:43.12+00')).toBe('2024-08-22T22:49:43.120Z');
    expect(isoOfTimestamp('2024-08-22 22:49:43.123+00')).toBe('2024-08-22T22:49:43.123Z');
    expect(isoOfTimestamp('2024-08-22 22:49:43.123456+00')).toBe('2024-08-22T22:49:43.123Z');
  });

  it('answers as a Date would for any other offset', () => {
    expect(isoOfTimestamp('2024-08-22 22:49:43.5+02')).toBe('2024-08-22T20:49:43.500Z');
    expect(isoOfTimestamp('2024-08-22 22:49:43-05:30')).toBe('2024-08-23T04:19:43.000Z');
    expect(isoOfTimestamp('2024-08-22 22:49:43+00:00:10')).toBe(new Date('2024-08-22T22:49:33Z').toISOString());
  });

  it('keeps what no ISO time can say', () => {
    expect(isoOfTimestamp('infinity')).toBe('infinity');
    expect(isoOfTimestamp('-infinity')).toBe('-infinity');
  });
});

describe('isoTime', () => {
  it('takes ISO text as it is, PostgreSQL text rewritten and a Date printed', () => {
    expect(isoTime('2024-08-22T22:49:43.100Z')).toBe('2024-08-22T22:49:43.100Z');
    expect(isoTime('2024-08-22 22:49:43.1+00')).toBe('2024-08-22T22:49:43.100Z');
    expect(isoTime(new Date('2024-08-22T22:49:43.1Z'))).toBe('2024-08-22T22:49:43.100Z');
  });
});
