import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { SchemaComponents } from './schemaComponents.js';

describe('SchemaComponents', () => {
  const Inner = Type.Object({ id: Type.Integer() }, { $id: 'Inner' });
  const Outer = Type.Object({ inner: Inner, list: Type.Array(Inner), maybe: Type.Union([Inner, Type.Null()]) }, { $id: 'Outer' });

  it('moves every schema with an $id into a named component, referred to wherever it is used', () => {
    const components = new SchemaComponents('#/components/schemas/');
    expect(components.use(Type.Object({ outer: Outer }))).toEqual({
      type: 'object',
      properties: { outer: { $ref: '#/components/schemas/Outer' } },
      required: ['outer'],
    });
    const ref = { $ref: '#/components/schemas/Inner' };
    expect(components.schemas).toEqual({
      Inner: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
      Outer: { type: 'object', properties: { inner: ref, list: { type: 'array', items: ref }, maybe: { anyOf: [ref, { type: 'null' }] } }, required: ['inner', 'list', 'maybe'] },
    });
  });

  it('leaves data keywords alone', () => {
    const components = new SchemaComponents('#/');
    expect(components.use(Type.Object({ a: Type.Unknown({ default: { $id: 'not a schema' }, examples: [{ $id: 'x' }] }) }))).toMatchObject({
      properties: { a: { default: { $id: 'not a schema' }, examples: [{ $id: 'x' }] } },
    });
    expect(components.schemas).toEqual({});
  });

  it('refuses two different schemas under one $id, and an $id that cannot name a component', () => {
    const components = new SchemaComponents('#/');
    components.use(Inner);
    components.use(Type.Object({ id: Type.Integer() }, { $id: 'Inner' }));
    expect(() => components.use(Type.Object({ id: Type.String() }, { $id: 'Inner' }))).toThrow(/two different schemas have the \$id "Inner"/);
    expect(() => components.use(Type.String({ $id: 'a/b' }))).toThrow(/cannot name a component/);
  });
});
