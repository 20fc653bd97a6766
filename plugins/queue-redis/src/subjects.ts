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
