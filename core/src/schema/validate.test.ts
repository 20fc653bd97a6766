import { describe, expect, it } from 'vitest';
import Type from 'typebox';
import { validate } from './validate.js';

const Kind = Type.Union([Type.Literal('rollback'), Type.Literal('hotfix'), Type.Literal('manual')]);
/** Two forms of one body, as POST /api/deployments takes it: the artifact by coordinates or by id. */
const Body = Type.Union([
  Type.Object({ artifact: Type.Object({ name: Type.String() }, { additionalProperties: false }), kind: Kind }, { additionalProperties: false }),
  Type.Object({ artifactId: Type.Integer({ minimum: 1 }), kind: Kind }, { additionalProperties: false }),
]);
const errorsOf = (schema: Parameters<typeof validate>[0], value: unknown) => {
  const result = validate(schema, value);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.errors;
};

describe('readable validation errors', () => {
  it('names every value a union of values allows, once', () => {
    expect(errorsOf(Type.Object({ kind: Kind }), { kind: 'oops' })).toEqual([{ path: '/kind', message: 'must be one of "rollback", "hotfix", "manual"' }]);
  });

  it('of a union of forms, speaks only for the form closest to the value', () => {
    expect(errorsOf(Body, { artifact: { name: 'web' }, kind: 'oops' })).toEqual([{ path: '/kind', message: 'must be one of "rollback", "hotfix", "manual"' }]);
    expect(errorsOf(Body, { artifactId: 0, kind: 'hotfix' })).toEqual([{ path: '/artifactId', message: 'must be >= 1' }]);
    expect(errorsOf(Body, { artifact: { name: 'web', extra: 1 }, kind: 'hotfix' })).toEqual([{ path: '/artifact/extra', message: 'unknown key "extra"' }]);
  });

  it('keeps every form that is as close as the others, and says that none matched', () => {
    expect(errorsOf(Body, { kind: 'hotfix' })).toEqual([
      { path: '/artifact', message: 'is required' },
      { path: '/artifactId', message: 'is required' },
      { path: '', message: 'does not match any allowed form' },
    ]);
    expect(errorsOf(Body, { artifact: { name: 'web' }, artifactId: 3, kind: 'hotfix' })).toEqual([
      { path: '/artifactId', message: 'unknown key "artifactId"' },
      { path: '/artifact', message: 'unknown key "artifact"' },
      { path: '', message: 'does not match any allowed form' },
    ]);
  });
});
