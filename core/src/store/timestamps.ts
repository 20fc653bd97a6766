import pg from 'pg';

/** PostgreSQL's type id of `timestamp with time zone`. */
export const TIMESTAMPTZ_OID = 1184;

const parseAsDate = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Date | number;

const isDigit = (code: number) => code >= 48 && code <= 57;

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
