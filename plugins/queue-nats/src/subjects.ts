import { createHash } from 'node:crypto';
import { installationTag } from './ownership.js';

/**
 * The durable consumer name for a group and pattern, and the installation it belongs to (so that
 * installations never share a consumer, whatever their groups are called). Readable, limited to
 * the characters NATS allows, and suffixed with a hash so that distinct groups and patterns never
 * collide after the cleanup of their characters. Without an installation: the name consumers had
 * before installations were told apart, which is also how an upgrade finds them.
 */
export function consumerName(group: string, pattern: string, installationId?: string): string {
  const readable = `${group}_${pattern.replace(/\*/g, 'any').replace(/>/g, 'all')}`.replace(/[^A-Za-z0-9_-]+/g, '_');
  if (installationId === undefined) {
    const hash = createHash('sha256').update(`${group}\u0000${pattern}`).digest('hex').slice(0, 10);
    return `${readable.slice(0, 48)}_${hash}`;
  }
  const hash = createHash('sha256').update(`${installationId}\u0000${group}\u0000${pattern}`).digest('hex').slice(0, 10);
  return `${readable.slice(0, 40)}_${installationTag(installationId)}_${hash}`;
}
