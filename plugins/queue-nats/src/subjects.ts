import { createHash } from 'node:crypto';

/**
 * The durable consumer name for a group and pattern. Readable, limited to the characters NATS
 * allows, and suffixed with a hash so that distinct (group, pattern) pairs never collide after
 * the cleanup of their characters.
 */
export function consumerName(group: string, pattern: string): string {
  const readable = `${group}_${pattern.replace(/\*/g, 'any').replace(/>/g, 'all')}`
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .slice(0, 48);
  const hash = createHash('sha256').update(`${group}\u0000${pattern}`).digest('hex').slice(0, 10);
  return `${readable}_${hash}`;
}
