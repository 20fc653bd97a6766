import { randomBytes } from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix time in milliseconds, then random bits, written
 * as the usual RFC 4122 string. Event ids are made this way so that they sort by creation time:
 * the index that finds an event by its id (to resume a stream) then grows at one end, as cheap
 * to keep as the table's own sequence.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  const ms = BigInt(Math.max(0, Math.floor(now)));
  for (let i = 0; i < 6; i += 1) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The time written in a version 7 UUID (ms since the epoch), or null for any other string. */
export function uuidv7Time(id: string): number | null {
  if (!UUID_V7.test(id)) return null;
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}
