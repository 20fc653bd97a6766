import { Compile } from 'typebox/compile';

const COMPONENT_REF = /^#\/components\/schemas\/(.+)$/;

/** Rewrites `#/components/schemas/X` references to `X`, the names the validator is given as context. */
function localRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(localRefs);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, key === '$ref' && typeof inner === 'string' ? inner.replace(COMPONENT_REF, '$1') : localRefs(inner)]),
  );
}

/**
 * Checks values against a schema taken from a served API description (OpenAPI or AsyncAPI),
 * resolving its references to the document's `components.schemas`: what a client generated from
 * the document would expect.
 */
export function documentValidator(doc: { components?: { schemas?: Record<string, unknown> } }) {
  const context = localRefs(doc.components?.schemas ?? {}) as Record<string, never>;
  const compiled = new Map<unknown, ReturnType<typeof Compile>>();
  return (schema: unknown, value: unknown): string[] => {
    let validator = compiled.get(schema);
    if (!validator) {
      validator = Compile(context, localRefs(schema) as never);
      compiled.set(schema, validator);
    }
    if (validator.Check(value)) return [];
    return [...validator.Errors(value)].slice(0, 5).map((e: any) => `${e.instancePath || '/'} ${e.message}`);
  };
}
