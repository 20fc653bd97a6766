import type { TSchema } from 'typebox';

/** What JSON Schema keywords hold as data rather than as schemas: never rewritten. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', 'example']);
const COMPONENT_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * Turns TypeBox schemas into the plain JSON Schema of an API description. Every schema with an
 * `$id` becomes a named component, written once and referred to by `$ref` wherever it is used:
 * generated clients get named types (`Deployment`, `Flow`), and a shape nested in many others
 * is not repeated in each.
 */
export class SchemaComponents {
  /** The named schemas met so far, by name. */
  readonly schemas: Record<string, unknown> = {};

  /** @param refPrefix where the components live in the document, e.g. `#/components/schemas/`. */
  constructor(private readonly refPrefix: string) {}

  /** A plain JSON copy of `schema` (TypeBox's symbol keys dropped), its named parts replaced by references. */
  use(schema: TSchema): unknown {
    return this.visit(JSON.parse(JSON.stringify(schema)) as unknown);
  }

  private visit(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.visit(item));
    if (typeof value !== 'object' || value === null) return value;
    const { $id, ...rest } = value as Record<string, unknown>;
    const copy = Object.fromEntries(Object.entries(rest).map(([key, inner]) => [key, DATA_KEYWORDS.has(key) ? inner : this.visit(inner)]));
    if (typeof $id !== 'string') return copy;
    if (!COMPONENT_NAME.test($id)) throw new Error(`schema $id "${$id}" cannot name a component (letters, digits, ".", "_", "-")`);
    const known = this.schemas[$id];
    // Two shapes under one name would make one of them silently wrong in every generated client.
    if (known !== undefined && JSON.stringify(known) !== JSON.stringify(copy)) throw new Error(`two different schemas have the $id "${$id}"`);
    this.schemas[$id] = copy;
    return { $ref: `${this.refPrefix}${$id}` };
  }
}
