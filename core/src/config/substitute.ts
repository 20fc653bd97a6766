import { isScalar, parseDocument } from 'yaml';
import type { SourceMap } from './positions.js';
import type { Problem } from './problems.js';

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

export interface Expansion {
  value: string;
  /** True when the text was nothing but `${...}` references, all of them resolved. */
  whole: boolean;
  /** Problems, each at an index into the text and with the reference as written. */
  problems: { index: number; reference: string; message: string }[];
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * Replaces `${NAME}` and `${NAME:-default}` in one string, as a shell does: the default is used
 * when NAME is unset or empty, and `$${` writes a literal `${`. An unset NAME without a default
 * is a problem; its reference is left in place so that later checks do not pile up on it.
 */
export function expand(text: string, env: Env): Expansion {
  let value = '';
  let literal = false;
  let references = 0;
  const problems: Expansion['problems'] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      value += '${';
      literal = true;
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      value += text[i];
      literal = true;
      i += 1;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close < 0) {
      problems.push({ index: i, reference: '${', message: 'unterminated "${": close it with "}", or write "$${" for a literal "${"' });
      value += text.slice(i);
      literal = true;
      break;
    }
    const reference = text.slice(i, close + 1);
    const match = REFERENCE.exec(text.slice(i + 2, close));
    if (!match) {
      problems.push({ index: i, reference, message: `invalid reference "${reference}": expected \${NAME} or \${NAME:-default}, or "$\${" for a literal "\${"` });
      value += reference;
      literal = true;
    } else {
      const [, name, fallback] = match as unknown as [string, string, string | undefined];
      const set = env[name];
      if (fallback !== undefined) value += set === undefined || set === '' ? fallback : set;
      else if (set !== undefined) value += set;
      else {
        problems.push({ index: i, reference, message: `environment variable ${name} is not set` });
        value += reference;
        literal = true;
      }
      references += 1;
    }
    i = close + 1;
  }
  return { value, whole: references > 0 && !literal, problems };
}

/**
 * The value YAML would give `text` written as a plain scalar: `8080` is a number, `true` a
 * boolean, empty is null. Anything that would not stay one plain scalar (a comment, a `: `, a
 * tag) keeps its text, so a secret is never cut short.
 */
export function retype(text: string, version: '1.1' | '1.2' = '1.2'): unknown {
  if (text.trim() === '') return null;
  const document = parseDocument(text, { version });
  const node = document.contents;
  if (document.errors.length > 0 || document.warnings.length > 0 || !isScalar(node) || node.type !== 'PLAIN' || node.tag) return text;
  const start = text.length - text.trimStart().length;
  if (node.range?.[0] !== start || node.range?.[1] !== text.trimEnd().length) return text;
  return typeof node.value === 'string' ? text : node.value;
}

export interface Substitution {
  problems: Problem[];
  /** Pointers of plain scalars whose whole value came from the environment, with their source text. */
  retyped: Map<string, string>;
}

/**
 * Substitutes the environment into every string value of a parsed document, in place. Keys are
 * left alone: they are names that appear in URLs and references, not settings.
 */
export function substituteDocument(sourceMap: SourceMap, source: string, env: Env, version: '1.1' | '1.2' = '1.2'): Substitution {
  const problems: Problem[] = [];
  const retyped = new Map<string, string>();
  for (const { pointer, node } of sourceMap.stringScalars()) {
    if (!node.value.includes('${')) continue;
    const expansion = expand(node.value, env);
    const raw = node.range ? source.slice(node.range[0], node.range[1]) : '';
    for (const problem of expansion.problems) {
      const at = raw.indexOf(problem.reference);
      problems.push({ pointer, message: problem.message, ...(at >= 0 && node.range ? { offset: node.range[0] + at } : {}) });
    }
    if (expansion.whole && node.type === 'PLAIN') {
      (node as { value: unknown }).value = retype(expansion.value, version);
      retyped.set(pointer, raw);
    } else {
      node.value = expansion.value;
    }
  }
  return { problems, retyped };
}

/**
 * Adds a hint to "must be a string" problems at values that YAML re-typed after substitution
 * (a numeric token written `token: ${CI_TOKEN}`), since the file itself shows no number there.
 */
export function explainRetyped(problems: Problem[], retyped: ReadonlyMap<string, string>): Problem[] {
  return problems.map((problem) => {
    const written = retyped.get(problem.pointer);
    if (written === undefined || !problem.message.startsWith('must be a string')) return problem;
    return { ...problem, message: `${problem.message} (${written} is read as a YAML value; write it in quotes to keep it a string: "${written}")` };
  });
}
