/**
 * Requests for a property-based fuzz of an HTTP API, generated from its own OpenAPI document:
 * for each operation, requests that are valid by its schemas (with values a vocabulary makes
 * likely to reach real rows) and hostile ones (wrong types, huge strings, unicode, NUL, lone
 * surrogates, deep nesting, unknown keys, missing fields, malformed JSON, wrong content types,
 * wrong methods, bad tokens).
 */
import fc from 'fast-check';

type Schema = Record<string, any>;

export interface ApiOperation {
  method: string;
  /** OpenAPI path template, e.g. `/api/deployments/{id}`. */
  path: string;
  operationId: string;
  pathParams: Array<{ name: string; schema: Schema }>;
  queryParams: Array<{ name: string; required: boolean; schema: Schema }>;
  body: Schema | null;
  /** Status → JSON response schema (null: not JSON or no body). */
  responses: Record<string, Schema | null>;
}

/** Who sends a request: a token name of the caller's choosing, a raw Authorization header, or nobody. */
export type Sender = { token: string } | { header: string } | null;

/** How a request was made hostile, for the report and for what may be checked of its answer. */
export type Strategy = 'valid' | 'path' | 'query' | 'body' | 'malformed' | 'content-type' | 'no-body' | 'oversize' | 'method' | 'auth';

export interface FuzzRequest {
  operation: ApiOperation;
  /** How fast-check shows the request in a counterexample. */
  [fc.toStringMethod](): string;
  strategy: Strategy;
  method: string;
  /** Path and query string, percent-encoded as sent. */
  url: string;
  headers: Record<string, string>;
  body: string | null;
  sender: Sender;
}

export interface FuzzOptions {
  /** Values to use for parameters and properties of these names, besides what their schema allows. */
  vocabulary: Record<string, readonly (string | number)[]>;
  /** Who may send requests; the generator adds nobody, unknown tokens and malformed headers. */
  senders: readonly Sender[];
  /** Body schemas used instead of the documented one, by operation id (e.g. a looser documented schema). */
  bodySchemas?: Record<string, Schema>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const MAX_DEPTH = 4;
const ONE_MIB = 1024 * 1024;

/** The operations of an OpenAPI document, parameters and schemas as declared (references kept). */
export function operationsOf(doc: any): ApiOperation[] {
  return Object.entries<Record<string, any>>(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => {
        const parameters: any[] = operation.parameters ?? [];
        return {
          method: method.toUpperCase(),
          path,
          operationId: operation.operationId,
          pathParams: parameters.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema })),
          queryParams: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, required: Boolean(p.required), schema: p.schema })),
          body: operation.requestBody?.content?.['application/json']?.schema ?? null,
          responses: Object.fromEntries(
            Object.entries<any>(operation.responses).map(([status, response]) => [status, response.content?.['application/json']?.schema ?? null]),
          ),
        };
      }),
  );
}

/** Strings that have broken servers before: empty, NUL, lone surrogates, bidi controls, injections, numbers in disguise. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\u202eevil',
  '\u200b',
  '🚀🚀',
  'é',
  'null',
  'true',
  '-1',
  '0',
  '1.5',
  '1e3',
  '0x10',
  '99999999999999999999999',
  'NaN',
  "'; drop table artifact; --",
  '{"a":1}',
  '[]',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '%00',
  '${HOME}',
  'a:b:c',
  ':',
];

/** Any string, including code units that are not valid Unicode on their own. */
const anyUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: anyUnits },
  { weight: 1, arbitrary: fc.integer({ min: 256, max: 20_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 300_000, max: 600_000 }).map((n) => 'é'.repeat(n)) },
);

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  hostileString,
  fc.constant([]),
  fc.constant({}),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Text of JSON nested `depth` levels. */
const deepJson = (depth: number, kind: 'array' | 'object') => (kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

/** Percent-encodes a path segment or query value; a lone surrogate is sent as the bytes of its UTF-8-like encoding, which are not valid UTF-8. */
function encodeComponent(value: string): string {
  return Array.from(value)
    .map((ch) => {
      const code = ch.charCodeAt(0);
      if (ch.length === 1 && code >= 0xd800 && code <= 0xdfff) {
        return `%${(0xe0 | (code >> 12)).toString(16).toUpperCase()}%${(0x80 | ((code >> 6) & 0x3f)).toString(16).toUpperCase()}%${(0x80 | (code & 0x3f)).toString(16).toUpperCase()}`;
      }
      return encodeURIComponent(ch);
    })
    .join('');
}

/** Request generation for one document. */
export class RequestGenerator {
  private readonly schemas: Record<string, Schema>;

  constructor(
    doc: any,
    private readonly options: FuzzOptions,
  ) {
    this.schemas = doc.components?.schemas ?? {};
  }

  /** Requests for every operation; those that change something (POST, PATCH, PUT, DELETE) three times as often as reads. */
  requests(operations: readonly ApiOperation[]): fc.Arbitrary<FuzzRequest> {
    return fc.oneof(...operations.map((operation) => ({ weight: operation.method === 'GET' ? 1 : 3, arbitrary: this.requestFor(operation) })));
  }

  /** A request for one operation: valid, or made hostile in one way. */
  requestFor(operation: ApiOperation): fc.Arbitrary<FuzzRequest> {
    const schema = this.options.bodySchemas?.[operation.operationId] ?? operation.body;
    const valid = schema ? this.value(schema, undefined, 0, operation.operationId) : null;
    const validBody = valid ? this.jsonBody(valid) : fc.constant(null);
    const path = this.validPath(operation);
    const query = this.validQuery(operation);
    const strategies: Array<{ weight: number; arbitrary: fc.Arbitrary<FuzzRequest> }> = [
      { weight: 6, arbitrary: this.build(operation, 'valid', path, query, validBody) },
      { weight: 2, arbitrary: this.build(operation, 'auth', path, query, validBody, this.hostileSender()) },
      { weight: 2, arbitrary: this.build(operation, 'query', path, this.hostileQuery(operation), validBody) },
      { weight: 1, arbitrary: this.wrongMethod(operation) },
    ];
    if (operation.pathParams.length > 0) strategies.push({ weight: 3, arbitrary: this.build(operation, 'path', this.hostilePath(operation), query, validBody) });
    if (valid) {
      const noBody = fc.constantFrom<string | null>(null, 'application/json').map((contentType) => ({ body: null, contentType }));
      strategies.push(
        { weight: 5, arbitrary: this.build(operation, 'body', path, query, this.jsonBody(this.mutated(valid))) },
        { weight: 2, arbitrary: this.build(operation, 'malformed', path, fc.constant(''), this.malformedBody(valid)) },
        { weight: 1, arbitrary: this.build(operation, 'content-type', path, fc.constant(''), this.wrongContentType(valid)) },
        { weight: 1, arbitrary: this.build(operation, 'no-body', path, fc.constant(''), noBody) },
        { weight: 1, arbitrary: this.build(operation, 'oversize', path, fc.constant(''), this.oversizeBody()) },
      );
    }
    return fc.oneof(...strategies);
  }

  private build(
    operation: ApiOperation,
    strategy: Strategy,
    path: fc.Arbitrary<string>,
    query: fc.Arbitrary<string>,
    body: fc.Arbitrary<{ body: string | null; contentType: string | null } | null>,
    sender: fc.Arbitrary<Sender> = fc.constantFrom(...this.options.senders),
  ): fc.Arbitrary<FuzzRequest> {
    return fc.record({ path, query, body, sender }).map(({ path: p, query: q, body: b, sender: s }) =>
      fuzzRequest({
        operation,
        strategy,
        method: operation.method,
        url: `${p}${q ? `?${q}` : ''}`,
        headers: { ...(b?.contentType ? { 'content-type': b.contentType } : {}), ...authorization(s) },
        body: b?.body ?? null,
        sender: s,
      }),
    );
  }

  private hostileSender(): fc.Arbitrary<Sender> {
    return fc.oneof(
      fc.constant(null),
      fc.record({ token: fc.oneof(fc.constantFrom('wrong', 'ci-secretx', 'CI-SECRET', ''), fc.string({ maxLength: 300 }).filter((s) => !/[\r\n\0]/.test(s))) }),
      fc.record({
        header: fc.constantFrom('Bearer', 'Bearer ', 'bearer ci-secret extra', 'Basic Y2k6c2VjcmV0', 'Token ci-secret', 'ci-secret', `Bearer ${'x'.repeat(5000)}`),
      }),
    );
  }

  /** Values for the path parameters, valid by their schemas. */
  private pathValues(operation: ApiOperation): fc.Arbitrary<string[]> {
    return fc.tuple(...operation.pathParams.map((p) => this.parameterValue(p.name, p.schema, operation.operationId).map((v) => encodeComponent(String(v)))));
  }

  private validPath(operation: ApiOperation): fc.Arbitrary<string> {
    return this.pathValues(operation).map((values) => fillPath(operation, values));
  }

  /** One path parameter replaced by something hostile, sent as it is (already percent-encoded or deliberately not). */
  private hostilePath(operation: ApiOperation): fc.Arbitrary<string> {
    const segment = fc.oneof(
      hostileString.map(encodeComponent),
      fc.constantFrom('%', '%E0%A4%A', '%ED%A0%80', '%2F', '%252F', '..', '.', '%2e%2e', 'a%2Fb', '%FF', '1%00', '%20'),
    );
    return fc
      .tuple(fc.nat({ max: operation.pathParams.length - 1 }), segment, this.pathValues(operation))
      .map(([index, bad, values]) => fillPath(operation, values.map((v, i) => (i === index ? bad : v))));
  }

  private validQuery(operation: ApiOperation): fc.Arbitrary<string> {
    if (operation.queryParams.length === 0) return fc.constant('');
    return fc
      .tuple(...operation.queryParams.map((p) => (p.required ? this.parameterValue(p.name, p.schema, operation.operationId).map((v) => [p.name, v] as const) : fc.option(this.parameterValue(p.name, p.schema, operation.operationId).map((v) => [p.name, v] as const), { freq: 2 }))))
      .map((pairs) => queryString(pairs.filter((p): p is readonly [string, string | number] => p !== null)));
  }

  private hostileQuery(operation: ApiOperation): fc.Arbitrary<string> {
    const names = [...operation.queryParams.map((p) => p.name), 'unknown', 'q', 'limit', '__proto__', ''];
    const pair = fc.tuple(fc.constantFrom(...names), fc.oneof(hostileString, fc.integer().map(String)));
    return fc.oneof(
      fc.array(pair, { minLength: 1, maxLength: 3 }).map((pairs) => queryString(pairs)),
      fc.constantFrom('%', 'a=%', '=1', '&&', 'limit=1&limit=2', 'cursor=%00', 'limit=0', 'limit=501', 'limit=-1', 'limit=1.0', 'limit=%201', 'at=2024-13-45', 'at=tomorrow', 'from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z'),
    );
  }

  /** A value for a parameter: from the vocabulary for its name, or by its schema. */
  private parameterValue(name: string, schema: Schema, scope: string): fc.Arbitrary<string | number> {
    return this.value(schema, name, 0, scope).map((v) => (typeof v === 'string' || typeof v === 'number' ? v : JSON.stringify(v)));
  }

  private jsonBody(value: fc.Arbitrary<unknown>): fc.Arbitrary<{ body: string; contentType: string }> {
    return fc.tuple(value, fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/cloudevents+json', 'APPLICATION/JSON')).map(([v, contentType]) => ({
      body: JSON.stringify(v) ?? 'null',
      contentType,
    }));
  }

  private malformedBody(valid: fc.Arbitrary<unknown>): fc.Arbitrary<{ body: string; contentType: string }> {
    return fc
      .oneof(
        valid.chain((v) => {
          const text = JSON.stringify(v) ?? '';
          return fc.nat({ max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut));
        }),
        fc.constantFrom('', '{', '}', '[', 'undefined', 'NaN', "{'a':1}", '{"a":1,}', '{"a":1}}', '\u0000', '{a:1}', '"unterminated', '01', '1e99999', '\ufeff{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}'),
        fc.constantFrom(deepJson(100_000, 'array'), deepJson(50_000, 'object'), deepJson(65, 'array'), deepJson(300, 'object')),
        fc.string({ maxLength: 50 }),
      )
      .map((body) => ({ body, contentType: 'application/json' }));
  }

  private wrongContentType(valid: fc.Arbitrary<unknown>): fc.Arbitrary<{ body: string; contentType: string | null }> {
    return fc.tuple(valid, fc.constantFrom<string | null>(null, 'text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'json', '', 'application/json-patch+json')).map(([v, contentType]) => ({
      body: JSON.stringify(v) ?? 'null',
      contentType,
    }));
  }

  private oversizeBody(): fc.Arbitrary<{ body: string; contentType: string }> {
    return fc.integer({ min: ONE_MIB + 1, max: ONE_MIB + 4096 }).map((size) => ({ body: `{"a":"${'x'.repeat(size - 8)}"}`, contentType: 'application/json' }));
  }

  private wrongMethod(operation: ApiOperation): fc.Arbitrary<FuzzRequest> {
    return fc
      .tuple(this.validPath(operation), fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'FOO'), fc.constantFrom(...this.options.senders), fc.option(fc.constant('{}')))
      .filter(([, method]) => method !== operation.method)
      .map(([path, method, sender, body]) =>
        fuzzRequest({
          operation,
          strategy: 'method',
          method,
          url: path,
          headers: { ...(body !== null && method !== 'GET' ? { 'content-type': 'application/json' } : {}), ...authorization(sender) },
          body: method === 'GET' ? null : body,
          sender,
        }),
      );
  }

  /** A body made invalid in one way: a field of the wrong type, too long, unstorable, too deep, unknown or missing; or the whole of it replaced. */
  private mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
    return fc.oneof(
      { weight: 1, arbitrary: anyJson },
      {
        weight: 4,
        arbitrary: fc.tuple(valid, fc.nat(), anyJson, fc.constantFrom('replace', 'delete', 'add', 'deep', 'proto')).map(([generated, pick, replacement, how]) => {
          if (typeof generated !== 'object' || generated === null) return replacement;
          // fast-check may hand the same value out again while shrinking: change a copy
          const value = structuredClone(generated);
          const target = pickObject(value, pick);
          const keys = Object.keys(target);
          const key = keys.length > 0 ? keys[pick % keys.length]! : 'field';
          if (how === 'replace') target[key] = replacement;
          else if (how === 'delete') delete target[key];
          else if (how === 'add') target[`unknown${pick % 7}`] = replacement;
          else if (how === 'deep') target[key] = nest(70 + (pick % 100));
          else Object.defineProperty(target, '__proto__', { value: { polluted: true }, enumerable: true, configurable: true, writable: true });
          return value;
        }),
      },
    );
  }

  /**
   * Values valid by `schema`; `name` (a property or parameter name) picks vocabulary, that of
   * `scope.name` (an operation id and the name) first.
   */
  value(schema: Schema, name?: string, depth = 0, scope = ''): fc.Arbitrary<unknown> {
    const resolved = this.resolve(schema);
    const words = name !== undefined ? (this.options.vocabulary[`${scope}.${name}`] ?? this.options.vocabulary[name]) : undefined;
    const byType = this.byType(resolved, name, depth, scope);
    if (words && words.length > 0 && !('const' in resolved) && !resolved.enum) {
      const fitting = words.filter((w) => fits(resolved, w));
      if (fitting.length > 0) return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...fitting) }, { weight: 1, arbitrary: byType });
    }
    return byType;
  }

  private byType(schema: Schema, name: string | undefined, depth: number, scope: string): fc.Arbitrary<unknown> {
    if ('const' in schema) return fc.constant(schema.const);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    if (schema.anyOf || schema.oneOf) return fc.oneof(...(schema.anyOf ?? schema.oneOf).map((s: Schema) => this.value(s, name, depth, scope)));
    if (schema.allOf) {
      return fc.tuple(...schema.allOf.map((s: Schema) => this.value(s, name, depth, scope))).map((parts) => Object.assign({}, ...parts.filter((p) => typeof p === 'object' && p !== null)));
    }
    switch (schema.type) {
      case 'object':
        return this.object(schema, depth, scope);
      case 'array':
        return depth >= MAX_DEPTH ? fc.constant([]) : fc.array(this.value(schema.items ?? {}, name, depth + 1, scope), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
      case 'string':
        return this.string(schema);
      case 'integer':
        return fc.oneof(fc.integer({ min: schema.minimum ?? 1, max: Math.min(schema.maximum ?? 40, 40) }), fc.integer({ min: schema.minimum ?? -2147483648, max: schema.maximum ?? 2147483647 }));
      case 'number':
        return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true });
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      default:
        return depth >= MAX_DEPTH ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 });
    }
  }

  private object(schema: Schema, depth: number, scope: string): fc.Arbitrary<unknown> {
    if (depth >= MAX_DEPTH) return fc.constant({});
    const properties: Record<string, Schema> = schema.properties ?? {};
    const required = new Set<string>(schema.required ?? []);
    const record = fc.record(
      Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, this.value(property, key, depth + 1, scope)])),
      { requiredKeys: [...required].filter((k) => k in properties) },
    );
    const patterns = Object.values<Schema>(schema.patternProperties ?? {});
    if (patterns.length === 0) return record;
    return fc.tuple(record, fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), this.value(patterns[0]!, undefined, depth + 1, scope), { maxKeys: 3 })).map(([fixed, extra]) => ({ ...extra, ...fixed }));
  }

  private string(schema: Schema): fc.Arbitrary<string> {
    const minLength = schema.minLength ?? 0;
    const maxLength = Math.min(schema.maxLength ?? 40, 40);
    if (schema.format === 'date-time') return moment();
    if (schema.format === 'date') return moment().map((text) => text.slice(0, 10));
    if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
    return fc.oneof(
      { weight: 3, arbitrary: fc.string({ minLength, maxLength: Math.max(minLength, maxLength) }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength, maxLength: Math.max(minLength, maxLength) }) },
      ...(schema.maxLength ? [{ weight: 1, arbitrary: fc.constant('x'.repeat(schema.maxLength)) }] : []),
    );
  }

  private resolve(schema: Schema): Schema {
    let current = schema;
    for (let guard = 0; current?.$ref && guard < 20; guard++) current = this.schemas[String(current.$ref).replace('#/components/schemas/', '')] ?? {};
    return current ?? {};
  }
}

/** A request that reads well in a counterexample: method, URL, operation, headers and the start of the body. */
function fuzzRequest(fields: Omit<FuzzRequest, typeof fc.toStringMethod>): FuzzRequest {
  return { ...fields, [fc.toStringMethod]: () => describeRequest(fields) };
}

/** One line for people: how it was made, method, URL, operation, headers, the start of the body. */
export function describeRequest(request: Omit<FuzzRequest, typeof fc.toStringMethod>): string {
  const url = request.url.length > 300 ? `${request.url.slice(0, 300)}… (${request.url.length} characters)` : request.url;
  const body = request.body === null ? '' : ` body (${request.body.length} characters) ${JSON.stringify(request.body.slice(0, 300))}`;
  return `${request.strategy}: ${request.method} ${url} [${request.operation.operationId}] headers ${JSON.stringify(request.headers).slice(0, 200)}${body}`;
}

/** Whether a vocabulary word may stand for a value of `schema` (its type and bounds). */
function fits(schema: Schema, word: string | number): boolean {
  if (schema.type === 'integer') return typeof word === 'number' && Number.isInteger(word) && word >= (schema.minimum ?? -Infinity) && word <= (schema.maximum ?? Infinity);
  if (schema.type === 'string') {
    if (typeof word !== 'string') return false;
    if (word.length < (schema.minLength ?? 0) || word.length > (schema.maxLength ?? Infinity)) return false;
    return !schema.pattern || new RegExp(schema.pattern).test(word);
  }
  return !schema.type;
}

function fillPath(operation: ApiOperation, values: readonly string[]): string {
  let index = 0;
  return operation.path.replace(/\{[^}]+\}/g, () => values[index++] ?? '');
}

function queryString(pairs: ReadonlyArray<readonly [string, string | number]>): string {
  return pairs.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(String(v))}`).join('&');
}

function authorization(sender: Sender): Record<string, string> {
  if (sender === null) return {};
  if ('header' in sender) return { authorization: sender.header };
  return { authorization: `Bearer ${sender.token}` };
}

/** One of the objects within `value` (itself or a nested one), chosen by `pick`. */
function pickObject(value: object, pick: number): Record<string, unknown> {
  const found: Array<Record<string, unknown>> = [];
  const visit = (v: unknown, depth: number) => {
    if (typeof v !== 'object' || v === null || depth > 4) return;
    if (!Array.isArray(v)) found.push(v as Record<string, unknown>);
    for (const inner of Object.values(v)) visit(inner, depth + 1);
  };
  visit(value, 0);
  return found[pick % Math.max(1, found.length)] ?? (value as Record<string, unknown>);
}

function nest(depth: number): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

/**
 * An RFC 3339 time anywhere in the years ISO-8601 writes with four digits, the edges of that range
 * likely, written with an offset of -14:00..+14:00 (so that the instant in UTC may fall outside).
 */
function moment(): fc.Arbitrary<string> {
  const edges = ['0000-01-01T00:00:00.000Z', '0001-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z'].map((iso) => new Date(iso));
  const instant = fc.oneof(
    { weight: 3, arbitrary: fc.date({ min: edges[0]!, max: edges[3]!, noInvalidDate: true }) },
    { weight: 1, arbitrary: fc.constantFrom(...edges) },
  );
  return fc
    .tuple(instant, fc.integer({ min: -14 * 60, max: 14 * 60 }))
    .map(([date, offsetMinutes]) => {
      const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString();
      const sign = offsetMinutes < 0 ? '-' : '+';
      const hours = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0');
      const minutes = String(Math.abs(offsetMinutes) % 60).padStart(2, '0');
      return offsetMinutes === 0 ? local : `${local.slice(0, -1)}${sign}${hours}:${minutes}`;
    })
    .filter((text) => /^\d{4}-/.test(text));
}
