import pg from 'pg';
import { IsDate } from 'typebox/format';

/** PostgreSQL's type id of `timestamp with time zone`. */
export const TIMESTAMPTZ_OID = 1184;

const parseAsDate = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Date | number;

const isDigit = (code: number) => code >= 48 && code <= 57;

/**
 * The instants DeployDB takes in (milliseconds since the epoch): the years 0001 to 9999 in UTC.
 * PostgreSQL has no year 0 (ISO-8601's 0000 is its 1 BC) and reads ISO text only with four-digit
 * years, so a time outside these would fail in the database instead of at the door.
 */
export const EARLIEST_TIME = Date.parse('0001-01-01T00:00:00Z');
export const LATEST_TIME = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * The instant of ISO-8601 text in milliseconds (NaN when it is none): a date alone is its midnight
 * UTC; `t` and `z` count as `T` and `Z`. A day past the month's end is NaN (Date.parse would roll it
 * over into the next month).
 */
export function instantOfIso(text: string): number {
  if (!IsDate(text.slice(0, 10))) return NaN;
  return Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text.toUpperCase());
}

/** Whether an instant is one DeployDB takes in (`EARLIEST_TIME`..`LATEST_TIME`); false for NaN. */
export function isStorableTime(ms: number): boolean {
  return ms >= EARLIEST_TIME && ms <= LATEST_TIME;
}

/**
 * PostgreSQL's text of a `timestamptz` as the API writes times: ISO-8601 in UTC with
 * milliseconds (`2024-08-22 22:49:43.1+00` → `2024-08-22T22:49:43.100Z`). In a UTC session
 * (the pools set one) this rewrites the text, far cheaper than a Date parsed and printed again;
 * any other form (another offset, a year past 9999 or BC) goes through a Date. `infinity` stays
 * as it is: no ISO time says it.
 */
export function isoOfTimestamp(text: string): string {
  let end = 19;
  if (text.charCodeAt(end) === 46 /* . */) {
    end += 1;
    while (isDigit(text.charCodeAt(end))) end += 1;
  }
  if (text.length === end + 3 && text.endsWith('+00') && text.charCodeAt(10) === 32 /* space */ && text.charCodeAt(4) === 45 /* - */) {
    const fraction = end > 19 ? text.slice(20, Math.min(end, 23)) : '';
    return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction.padEnd(3, '0')}Z`;
  }
  const date = parseAsDate(text);
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : text;
}

/** `pg` type parsers that read every `timestamptz` as `isoOfTimestamp` does. */
export const ISO_TIMESTAMP_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ_OID && format !== 'binary' ? isoOfTimestamp : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * A timestamp read with `isoTimestamps` as the API writes it, whichever database answered: ISO
 * text as it is, PostgreSQL's text rewritten, a Date printed.
 */
export function isoTime(value: Date | string): string {
  if (value instanceof Date) return value.toISOString();
  return value.charCodeAt(10) === 84 /* T */ && value.endsWith('Z') ? value : isoOfTimestamp(value);
}
