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

/** True when some subject made of `prefix` plus at least one more token can match `pattern`. */
export function patternMayMatchUnder(pattern: string, prefix: readonly string[]): boolean {
  const p = pattern.split('.');
  for (let i = 0; i < prefix.length; i++) {
    if (p[i] === undefined) return false;
    if (p[i] === '>') return true;
    if (p[i] !== '*' && p[i] !== prefix[i]) return false;
  }
  return p.length > prefix.length;
}

/** True when every subject `pattern` matches starts with the tokens of `prefix`. */
export function patternOnlyUnder(pattern: string, prefix: readonly string[]): boolean {
  const p = pattern.split('.');
  return p.length > prefix.length && prefix.every((token, i) => p[i] === token);
}
