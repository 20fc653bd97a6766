import Type from 'typebox';
import { DeployDbError } from '../errors.js';
import { EARLIEST_TIME, instantOfIso, LATEST_TIME } from '../store/timestamps.js';

/**
 * A moment in a query parameter (`?at=`, `?from=`, `?to=`): ISO-8601, to the minute or finer, with
 * `Z` or an offset; or a date alone, which is its midnight UTC.
 */
export function momentQuery(description: string) {
  return Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}([Tt]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?([Zz]|[+-]\\d{2}:\\d{2}))?$', description });
}

/**
 * The moment of a query parameter read with `momentQuery`; undefined when absent, 400 naming the
 * parameter when it is no real time (`2026-13-01`). A moment before the year 0001 or after 9999
 * (in UTC) is taken as the nearest one the database keeps: nothing was recorded before the one,
 * and the other is in the future all the same.
 */
export function momentOf(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const time = instantOfIso(value);
  if (Number.isNaN(time)) {
    throw new DeployDbError('bad_request', 'invalid query parameter', [{ path: `/${name}`, message: 'not an ISO-8601 time' }]);
  }
  return new Date(Math.min(Math.max(time, EARLIEST_TIME), LATEST_TIME));
}
