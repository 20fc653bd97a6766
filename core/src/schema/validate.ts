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
  return { ok: false, errors: readableErrors([...validator.check.Errors(withDefaults)]) };
}

interface RawError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message: string;
}

/** Condenses TypeBox errors: unknown keys by name, unions as "one of", no duplicate paths. */
export function readableErrors(raw: RawError[]): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  const add = (path: string, message: string) => {
    const key = `${path}\u0000${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      details.push({ path, message });
    }
  };
  const unionPaths = new Set(raw.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.instancePath));
  for (const error of raw) {
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
    if (unionPaths.has(error.instancePath) && error.keyword !== 'anyOf' && error.keyword !== 'oneOf') {
      const branch = error.schemaPath.match(/\/(anyOf|oneOf)\/\d+$/);
      if (branch) continue;
    }
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf') {
      const allowed = raw
        .filter((e) => e.instancePath === error.instancePath && e.keyword === 'const')
        .map((e) => JSON.stringify(e.params.allowedValue));
      add(error.instancePath, allowed.length > 0 ? `must be one of ${allowed.join(', ')}` : 'does not match any allowed form');
      continue;
    }
    add(error.instancePath, error.message);
  }
  return details;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
