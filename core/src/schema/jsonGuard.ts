import type { ErrorDetail } from '../errors.js';

const MAX_DEPTH = 64;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL text cannot hold
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * What a schema check cannot be trusted with: nesting deep enough to exhaust the stack of a
 * recursive validator, strings the database cannot store (NUL, unpaired surrogates), and keys
 * that only ever appear in prototype-pollution attempts. Walks the parsed JSON without recursion.
 */
export function unacceptableJson(root: unknown, maxDepth = MAX_DEPTH): ErrorDetail | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: root, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = unstorableString(value);
      if (problem) return { path, message: problem };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) return { path, message: `nested deeper than ${maxDepth} levels` };
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: `${path}/${i}`, depth: depth + 1 }));
      continue;
    }
    for (const key of Object.keys(value)) {
      const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (FORBIDDEN_KEYS.has(key)) return { path: at, message: `unknown key "${key}"` };
      const problem = unstorableString(key);
      if (problem) return { path: at, message: `key: ${problem}` };
      stack.push({ value: (value as Record<string, unknown>)[key], path: at, depth: depth + 1 });
    }
  }
  return null;
}

/** Why a string cannot be stored, or null: PostgreSQL text holds neither NUL nor unpaired surrogates. */
export function unstorableString(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode (no unpaired surrogates)';
  return null;
}

/** `value` with what the database cannot store (NUL, unpaired surrogates) replaced by U+FFFD: for text recorded as seen, such as a refused request's path. */
export function storableText(value: string): string {
  return value.replace(UNSTORABLE, '\uFFFD');
}
