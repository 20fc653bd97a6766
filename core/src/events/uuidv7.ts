import { randomFillSync } from 'node:crypto';

/** Random bytes drawn in blocks: one call per id would cost more than the rest of making it. */
const pool = Buffer.alloc(4096);
let used = pool.length;

/** Ten random bytes (80 bits) as hex. */
function randomHex(): string {
  if (used + 10 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += 10;
  return pool.toString('hex', used - 10, used);
}

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix time in milliseconds, then random bits, written
 * as the usual RFC 4122 string. Event ids are made this way so that they sort by creation time:
 * the index that finds an event by its id (to resume a stream) then grows at one end, as cheap
 * to keep as the table's own sequence.
 */
export function uuidv7(now: number = Date.now()): string {
  const time = Math.max(0, Math.floor(now)).toString(16).padStart(12, '0').slice(-12);
  const random = randomHex();
  const variant = ((parseInt(random[3]!, 16) & 0x3) | 0x8).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(0, 3)}-${variant}${random.slice(4, 7)}-${random.slice(7, 19)}`;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The time written in a version 7 UUID (ms since the epoch), or null for any other string. */
export function uuidv7Time(id: string): number | null {
  if (!UUID_V7.test(id)) return null;
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}
