import Type, { type Static, type TSchema } from 'typebox';
import { ROLES } from './model.js';

/**
 * The schema of `deploydb.yaml` (CONTRACT §2). Every mapping refuses unknown keys, so that a typo
 * is an error rather than a setting silently ignored; the one exception is a promotion, whose
 * settings belong to its plugin's own schema. Keys with a `default` are filled in by the
 * validator before the check, so they may be left out of the file yet are always present after.
 */

/** Names of environments, pipelines, services and promotions: they appear in URL paths. */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A Standard Webhooks secret: `whsec_` and base64. */
export const WEBHOOK_SECRET_PATTERN = '^whsec_[A-Za-z0-9+/]+={0,2}$';

const strict = { additionalProperties: false } as const;

const NonEmpty = () => Type.String({ minLength: 1 });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * A mapping from names to entries, in file order, empty when absent. TypeBox fills defaults
 * inside a record's entries only when the entry schema itself has a default, hence `default: {}`
 * on every entry schema (never used as such: an entry always has a value).
 */
const NamedMap = <T extends TSchema>(entry: T) =>
  Type.Record(Type.String(), entry, { propertyNames: { pattern: NAME_PATTERN }, default: {} });

const entry = { ...strict, default: {} } as const;

/** A plugin's own `config:`; its plugin's `configSchema` checks the inside. */
const PluginConfig = Type.Record(Type.String(), Type.Unknown(), { default: {} });

export const ServerSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
    host: Type.String({ minLength: 1, default: '127.0.0.1' }),
    /** Omitted: no limit. */
    rateLimit: Type.Optional(Type.Object({ perMinute: Type.Integer({ minimum: 1, maximum: 1_000_000 }) }, strict)),
  },
  { ...strict, default: {} },
);

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const LoggingSchema = Type.Object(
  {
    level: Type.Union(LOG_LEVELS.map((level) => Type.Literal(level)), { default: 'info' }),
    /** Omitted: readable lines on a terminal, one JSON line per event otherwise. */
    format: Type.Optional(Type.Union(LOG_FORMATS.map((format) => Type.Literal(format)))),
  },
  { ...strict, default: {} },
);

export const DatabaseSchema = Type.Object(
  {
    /** Omitted or null: the embedded database. */
    url: Type.Optional(Nullable(NonEmpty())),
    dir: Type.String({ minLength: 1, default: '.deploydb' }),
  },
  { ...strict, default: {} },
);

export const QueueSchema = Type.Object({ plugin: NonEmpty(), config: PluginConfig }, strict);

export const PluginEntrySchema = Type.Object({ package: NonEmpty(), config: PluginConfig }, strict);

/** A token's SHA-256 as written in `tokenHash`: `sha256:` and 64 hexadecimal digits. */
export const TOKEN_HASH_PATTERN = '^sha256:[0-9a-fA-F]{64}$';

/** One of `token` and `tokenHash`, never both: checked with the model, which places the problem. */
export const TokenSchema = Type.Object(
  {
    /** Bounded: it is the actor of the audit trail, indexed there. */
    name: Type.String({ minLength: 1, maxLength: 200 }),
    token: Type.Optional(NonEmpty()),
    tokenHash: Type.Optional(Type.String({ pattern: TOKEN_HASH_PATTERN })),
    roles: Type.Array(Type.Union(ROLES.map((role) => Type.Literal(role))), { minItems: 1 }),
  },
  strict,
);

export const AuthSchema = Type.Object({ tokens: Type.Array(TokenSchema) }, strict);

export const EnvironmentSchema = Type.Object(
  {
    description: Type.Optional(Nullable(Type.String())),
    /** Base URL of the environment (relative promotion URLs are appended to it). */
    url: Type.Optional(Nullable(NonEmpty())),
    hosts: Type.Array(NonEmpty(), { default: [] }),
  },
  entry,
);

/** `type` picks the plugin; every other key is a setting checked by that plugin's schema. */
export const PromotionSchema = Type.Object({ type: NonEmpty() }, { additionalProperties: true, default: {} });

/** A stage: the environment's name alone, or with the promotions to pass there. */
export const StageSchema = Type.Union([
  NonEmpty(),
  Type.Object({ name: NonEmpty(), promotions: Type.Optional(Type.Array(NonEmpty())) }, strict),
]);

export const PipelineSchema = Type.Object({ environments: Type.Array(StageSchema, { minItems: 1 }) }, entry);

export const ServiceSchema = Type.Object(
  {
    name: NonEmpty(),
    /** Modules, `group:name`. */
    artifacts: Type.Array(NonEmpty()),
    pipelines: Type.Array(NonEmpty()),
    promotions: Type.Array(NonEmpty(), { default: [] }),
  },
  entry,
);

export const WebhookSchema = Type.Object(
  {
    url: NonEmpty(),
    /** Globs over event types without the `deploydb.` prefix. */
    events: Type.Array(NonEmpty(), { default: ['*'] }),
    /** Empty: every environment. */
    environments: Type.Array(NonEmpty(), { default: [] }),
    secret: Type.Optional(Nullable(Type.String({ pattern: WEBHOOK_SECRET_PATTERN }))),
    retry: Type.Object(
      {
        attempts: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
        /** Seconds before the second try; doubles after each. */
        backoff: Type.Number({ exclusiveMinimum: 0, default: 5 }),
      },
      { ...strict, default: {} },
    ),
  },
  strict,
);

export const ConfigFileSchema = Type.Object(
  {
    server: ServerSchema,
    logging: LoggingSchema,
    database: DatabaseSchema,
    /** Omitted: the built-in embedded queue. */
    queue: Type.Optional(QueueSchema),
    plugins: Type.Array(PluginEntrySchema, { default: [] }),
    /** Omitted: no authentication, and the server refuses to bind beyond loopback. */
    auth: Type.Optional(AuthSchema),
    environments: NamedMap(EnvironmentSchema),
    promotions: NamedMap(PromotionSchema),
    pipelines: NamedMap(PipelineSchema),
    services: NamedMap(ServiceSchema),
    webhooks: Type.Array(WebhookSchema, { default: [] }),
  },
  strict,
);

/** `deploydb.yaml` as checked by {@link ConfigFileSchema}, defaults filled in. */
export type ConfigFile = Static<typeof ConfigFileSchema>;
export type ConfigSection = keyof ConfigFile;
export type StageEntry = Static<typeof StageSchema>;
export type TokenEntry = Static<typeof TokenSchema>;
