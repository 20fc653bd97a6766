import type { Static, TSchema } from 'typebox';
import { Settings } from 'typebox/system';
import { validate } from '../schema/validate.js';
import { parentPointer, splitPointer, valueAt } from './paths.js';
import type { Problem, ProblemAnchor } from './problems.js';

/** Replaces the message of problems at matching pointers (relative to the checked value). */
export interface MessageRule {
  pointer: RegExp;
  /** Which of the validator's messages this rule replaces. */
  when: RegExp;
  /** The message instead; null drops the problem (another one says it better). */
  message: string | null | ((pointer: string, value: unknown) => string);
  at?: ProblemAnchor;
}

export interface SchemaCheckOptions {
  /** Pointer of the checked value inside the configuration, prefixed to every problem. */
  base?: string;
  rules?: readonly MessageRule[];
}

export type SchemaCheck<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** An operator-written file is small and trusted; its author wants every problem at once. */
const ERROR_CAPACITY = 1000;

/**
 * Checks `value` against `schema` (defaults filled in on success) and turns each problem into
 * one that reads well in a YAML file: lists and mappings rather than arrays and objects, unknown
 * keys with the keys allowed there, and placed on the key or on the enclosing mapping as fits.
 */
export function checkSchema<S extends TSchema>(schema: S, value: unknown, options: SchemaCheckOptions = {}): SchemaCheck<Static<S>> {
  const result = withErrorCapacity(() => validate(schema, value));
  if (result.ok) return result;
  const base = options.base ?? '';
  const problems: Problem[] = [];
  for (const detail of result.errors) {
    // A union's own "no branch matched" says nothing once a branch has said what is wrong inside.
    if (detail.message === 'does not match any allowed form' && result.errors.some((other) => other.path.startsWith(detail.path + '/'))) continue;
    const problem = readable(schema, value, detail.path, detail.message, options.rules ?? []);
    if (problem) problems.push({ ...problem, pointer: base + problem.pointer });
  }
  return { ok: false, problems };
}

function readable(schema: TSchema, root: unknown, pointer: string, message: string, rules: readonly MessageRule[]): Problem | null {
  const actual = valueAt(root, pointer);
  for (const rule of rules) {
    if (rule.pointer.test(pointer) && rule.when.test(message)) {
      if (rule.message === null) return null;
      const text = typeof rule.message === 'function' ? rule.message(pointer, actual) : rule.message;
      return { pointer, message: text, ...(rule.at ? { at: rule.at } : {}) };
    }
  }
  const unknown = /^unknown key "(.*)"$/.exec(message);
  if (unknown) {
    const allowed = allowedKeys(schema, parentPointer(pointer));
    const hint = allowed.length > 0 ? `; allowed keys: ${allowed.join(', ')}` : '; no keys are allowed here';
    return { pointer, message: `${message}${hint}`, at: 'key' };
  }
  if (message === 'is required') return { pointer, message, at: 'parent' };
  const type = /^must be (string|integer|number|boolean|object|array|null)$/.exec(message);
  if (type) return { pointer, message: `must be ${KINDS[type[1]!]}, not ${kindOf(actual)}` };
  const few = /^must not have fewer than (\d+) (items|characters)$/.exec(message);
  if (few) return { pointer, message: few[1] === '1' ? 'must not be empty' : `must have at least ${few[1]} ${few[2]}` };
  const many = /^must not have more than (\d+) (items|characters)$/.exec(message);
  if (many) return { pointer, message: `must have at most ${many[1]} ${many[2]}` };
  return { pointer, message };
}

const KINDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
};

/** What a value is, in YAML terms, without showing it (it may be a secret). */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}

type SchemaObject = Record<string, unknown>;

function branches(schema: SchemaObject): SchemaObject[] {
  const parts = (schema.anyOf ?? schema.oneOf ?? schema.allOf) as SchemaObject[] | undefined;
  return parts ? parts.flatMap(branches) : [schema];
}

/** The keys declared for the mapping at `pointer` by any branch of the schema. */
export function allowedKeys(schema: TSchema, pointer: string): string[] {
  let current: SchemaObject[] = [schema as SchemaObject];
  for (const segment of splitPointer(pointer)) {
    const next: SchemaObject[] = [];
    for (const candidate of current.flatMap(branches)) {
      const properties = candidate.properties as Record<string, SchemaObject> | undefined;
      if (properties && Object.hasOwn(properties, segment)) next.push(properties[segment]!);
      const patterns = candidate.patternProperties as Record<string, SchemaObject> | undefined;
      for (const [pattern, entry] of Object.entries(patterns ?? {})) if (new RegExp(pattern).test(segment)) next.push(entry);
      const items = candidate.items as SchemaObject | undefined;
      if (items && typeof items === 'object' && !Array.isArray(items) && /^\d+$/.test(segment)) next.push(items);
      if (typeof candidate.additionalProperties === 'object') next.push(candidate.additionalProperties as SchemaObject);
    }
    current = next;
  }
  const keys = current.flatMap(branches).flatMap((candidate) => Object.keys((candidate.properties as object | undefined) ?? {}));
  return [...new Set(keys)];
}

function withErrorCapacity<T>(run: () => T): T {
  // TypeBox stops gathering after 8 errors by default; raised only for this synchronous call.
  const previous = Settings.Get().maxErrors;
  Settings.Set({ maxErrors: Math.max(previous, ERROR_CAPACITY) });
  try {
    return run();
  } finally {
    Settings.Set({ maxErrors: previous });
  }
}
