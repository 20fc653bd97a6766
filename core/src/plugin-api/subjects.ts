/** Subjects and subject patterns as queue providers use them (NATS wildcard rules). */

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
 * NATS-style subject patterns: dot-separated tokens, `*` matches one token, `>` (last) the rest.
 * Returned as a POSIX regular expression, usable both in JavaScript and in PostgreSQL (`~`).
 */
export function subjectPatternRegex(pattern: string): string {
  const tokens = pattern.split('.');
  if (tokens.some((t) => t === '') || tokens.slice(0, -1).includes('>')) throw new Error(`invalid subject pattern "${pattern}"`);
  const parts = tokens.map((token) => {
    if (token === '*') return '[^.]+';
    if (token === '>') return '.+';
    return token.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
  });
  return `^${parts.join('\\.')}$`;
}
