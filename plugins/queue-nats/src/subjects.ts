import { createHash } from 'node:crypto';

const TOKEN = /^[^\s.*>]+$/;

/** Throws unless `subject` is a concrete subject: dot-separated tokens, no wildcards. */
export function assertSubject(subject: string): void {
  if (!subject.split('.').every((token) => TOKEN.test(token))) {
    throw new Error(`invalid event type "${subject}": expected dot-separated tokens without spaces or wildcards`);
  }
}

/** Throws unless `pattern` is a valid subject pattern: `*` stands for one token, a final `>` for the rest. */
export function assertPattern(pattern: string): void {
  const tokens = pattern.split('.');
  const valid = tokens.every((token, i) => token === '*' || (token === '>' && i === tokens.length - 1) || TOKEN.test(token));
  if (!valid) throw new Error(`invalid subject pattern "${pattern}": use dot-separated tokens, "*" for one token, a final ">" for the rest`);
}

/** True when `subject` matches `pattern` under NATS wildcard rules. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

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
