import { Compile } from 'typebox/compile';
import type { TSchema, Static } from 'typebox';
import Value from 'typebox/value';
import { Format } from 'typebox/format';
import type { ErrorDetail } from '../errors.js';
import { instantOfIso, isStorableTime } from '../store/timestamps.js';

// A time (`date-time`, `date`) is one whose instant the database can keep (`isStorableTime`):
// an offset may not carry it outside the years 0001..9999 in UTC.
for (const name of ['date-time', 'date']) {
  const standard = Format.Get(name);
  if (!standard) continue;
  Format.Set(name, (value) => standard(value) && isStorableTime(instantOfIso(value)));
}

interface Validator {
  check: ReturnType<typeof Compile>;
  /** Whether the schema fills in defaults anywhere (else values are checked as they are, uncopied). */
  hasDefaults: boolean;
}
const compiled = new WeakMap<TSchema, Validator>();

function validatorFor(schema: TSchema): Validator {
  let validator = compiled.get(schema);
  if (!validator) {
    validator = { check: Compile(schema), hasDefaults: JSON.stringify(schema).includes('"default":') };
    compiled.set(schema, validator);
  }
  return validator;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ErrorDetail[] };

/**
 * Checks `value` against `schema` after filling in the schema's defaults (on a copy), and turns
 * TypeBox's raw errors into one readable detail per problem.
 */
export function validate<S extends TSchema>(schema: S, value: unknown): ValidationResult<Static<S>> {
  const validator = validatorFor(schema);
  const withDefaults = validator.hasDefaults ? Value.Default(schema, Value.Clone(value)) : value;
  if (validator.check.Check(withDefaults)) return { ok: true, value: withDefaults as Static<S> };
  return { ok: false, errors: readableErrors([...validator.check.Errors(withDefaults)], schema) };
}

interface RawError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message: string;
}

/**
 * Condenses TypeBox errors: unknown keys by name, a union of values as "one of" them, no
 * duplicate paths. Of a union of forms (objects), only the forms closest to the value speak: the
 * ones with the fewest problems. A body that gives `artifact` and a bad `kind` hears about `kind`,
 * not that the other form wants `artifactId` instead.
 */
export function readableErrors(raw: RawError[], schema: TSchema): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  const add = (path: string, message: string) => {
    const key = `${path}\u0000${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      details.push({ path, message });
    }
  };
  const errors = closestForms(raw, schema);
  const unionPaths = new Set(errors.filter(isUnion).map((e) => e.instancePath));
  for (const error of errors) {
    if (error.keyword === 'boolean' && error.schemaPath.endsWith('/additionalProperties')) continue;
    if (error.keyword === 'additionalProperties') {
      const extra = (error.params.additionalProperties as string[] | undefined) ?? [];
      for (const key of extra) add(`${error.instancePath}/${escapePointer(key)}`, `unknown key "${key}"`);
      continue;
    }
    if (error.keyword === 'required') {
      const missing = (error.params.requiredProperties as string[] | undefined) ?? [];
      for (const key of missing) add(`${error.instancePath}/${escapePointer(key)}`, 'is required');
      if (missing.length === 0) add(error.instancePath, error.message);
      continue;
    }
    const form = /^(.*)\/(anyOf|oneOf)\/\d+$/.exec(error.schemaPath);
    const union = isUnion(error) ? error.schemaPath : form?.[1];
    const allowed = union === undefined ? null : allowedValues(schemaAt(schema, union));
    if (allowed) add(error.instancePath, `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`);
    else if (isUnion(error)) add(error.instancePath, 'does not match any allowed form');
    else if (!(form && unionPaths.has(error.instancePath))) add(error.instancePath, error.message);
  }
  return details;
}

const isUnion = (error: RawError) => error.keyword === 'anyOf' || error.keyword === 'oneOf';

/**
 * The errors without those of a union's farther forms: per union of objects (outermost first, found
 * from the errors' schema paths, as TypeBox may stop before the union's own error), each form's
 * errors are condensed and counted, and only the forms with the fewest stay. When one form stays,
 * the union's own "no form matched" goes too: that form's errors say what is wrong.
 */
function closestForms(raw: RawError[], schema: TSchema): RawError[] {
  const unions = new Map<string, string>();
  for (const error of raw) {
    for (const match of error.schemaPath.matchAll(/\/(anyOf|oneOf)\/\d+/g)) unions.set(error.schemaPath.slice(0, match.index), match[1]!);
  }
  let errors = raw;
  for (const [path, keyword] of [...unions].sort(([a], [b]) => a.length - b.length)) {
    if (!formsAreObjects(schemaAt(schema, path))) continue;
    const prefix = `${path}/${keyword}/`;
    const forms = new Map<string, RawError[]>();
    for (const error of errors) {
      if (!error.schemaPath.startsWith(prefix)) continue;
      const form = error.schemaPath.slice(prefix.length).split('/')[0]!;
      forms.set(form, [...(forms.get(form) ?? []), error]);
    }
    if (forms.size < 2) continue;
    const counts = new Map([...forms].map(([form, own]) => [form, readableErrors(own, schema).length]));
    const fewest = Math.min(...counts.values());
    const farther = new Set([...forms].filter(([form]) => counts.get(form) !== fewest).flatMap(([, own]) => own));
    const alone = [...counts.values()].filter((count) => count === fewest).length === 1;
    errors = errors.filter((e) => !farther.has(e) && !(alone && isUnion(e) && e.schemaPath === path));
  }
  return errors;
}

/** The part of a schema a TypeBox schema path (`#/anyOf/0/properties/kind`) names, if it is there. */
function schemaAt(schema: TSchema, schemaPath: string): unknown {
  let node: unknown = schema;
  for (const part of schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/** The forms of a union node (`anyOf` or `oneOf`), or null when it is not one. */
function formsOf(node: unknown): unknown[] | null {
  if (node === null || typeof node !== 'object') return null;
  const { anyOf, oneOf } = node as { anyOf?: unknown; oneOf?: unknown };
  const forms = anyOf ?? oneOf;
  return Array.isArray(forms) && forms.length > 0 ? forms : null;
}

/** Whether a union's forms are all objects: a union of a name or a mapping, say, is left alone. */
function formsAreObjects(node: unknown): boolean {
  return formsOf(node)?.every((f) => f !== null && typeof f === 'object' && (f as { type?: unknown }).type === 'object') ?? false;
}

/** The values a union of constants allows, or null when it is not one. */
function allowedValues(node: unknown): unknown[] | null {
  const forms = formsOf(node);
  if (!forms?.every((f) => f !== null && typeof f === 'object' && 'const' in f)) return null;
  return forms.map((f) => (f as { const: unknown }).const);
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
