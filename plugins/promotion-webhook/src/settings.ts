import { Type, type Static } from '@deploydb/core';

/** Defaults of a WebhookPromotion's settings, the same ones the schema fills in. */
export const DEFAULTS = {
  status: 200,
  timeout: 15,
  method: 'GET',
  retries: 3,
  interval: 5,
  policy: 'all',
} as const;

/**
 * Upper bound of `timeout`: an evaluation runs its probes in parallel, so one evaluation lasts
 * about one probe timeout, and the plugin's evaluation timeout is derived from this bound.
 */
export const MAX_PROBE_TIMEOUT = 300;

/** Settings of a `type: WebhookPromotion` promotion in deploydb.yaml. */
export const settingsSchema = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      pattern: '^(/|https?://)',
      description: 'URL to probe: absolute (http:// or https://), or starting with "/" to be joined to the environment\'s url or to each of its hosts',
    }),
    status: Type.Optional(
      Type.Integer({ minimum: 100, maximum: 599, default: DEFAULTS.status, description: 'the exact HTTP status every probe must get' }),
    ),
    timeout: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: MAX_PROBE_TIMEOUT, default: DEFAULTS.timeout, description: 'seconds one probe may take' }),
    ),
    method: Type.Optional(
      Type.Union([Type.Literal('GET'), Type.Literal('HEAD'), Type.Literal('POST')], { default: DEFAULTS.method }),
    ),
    retries: Type.Optional(
      Type.Integer({ minimum: 0, default: DEFAULTS.retries, description: 'failed rounds retried before the promotion fails' }),
    ),
    interval: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, default: DEFAULTS.interval, description: 'seconds between a failed round and the next' }),
    ),
    policy: Type.Optional(
      Type.Union([Type.Literal('all'), Type.Literal('any'), Type.Literal('quorum')], {
        default: DEFAULTS.policy,
        description: 'how many probes must pass: all, any (one), quorum (more than half)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The settings as written (defaults possibly not filled in yet). */
export type WebhookSettingsInput = Static<typeof settingsSchema>;

/** The settings with every default filled in. */
export interface WebhookSettings {
  url: string;
  status: number;
  timeout: number;
  method: 'GET' | 'HEAD' | 'POST';
  retries: number;
  interval: number;
  policy: 'all' | 'any' | 'quorum';
}

/**
 * Fills in defaults. The kernel already does so when it loads the configuration; doing it again
 * keeps the plugin correct when it is handed settings by other means (tests, older flows).
 */
export function resolveSettings(input: WebhookSettingsInput): WebhookSettings {
  return {
    url: input.url,
    status: input.status ?? DEFAULTS.status,
    timeout: input.timeout ?? DEFAULTS.timeout,
    method: input.method ?? DEFAULTS.method,
    retries: input.retries ?? DEFAULTS.retries,
    interval: input.interval ?? DEFAULTS.interval,
    policy: input.policy ?? DEFAULTS.policy,
  };
}
