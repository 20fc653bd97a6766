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

export function matchesSubject(pattern: string, subject: string): boolean {
  return new RegExp(subjectPatternRegex(pattern)).test(subject);
}
