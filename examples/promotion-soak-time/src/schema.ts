import { Type, type Static } from '@deploydb/core';

/** Defaults of the plugin's `config:` (the kernel fills them in; `resolveConfig` does too). */
export const CONFIG_DEFAULTS = { timeout: 10 } as const;

/** Settings of a `type: SoakTime` promotion in deploydb.yaml. */
export const settingsSchema = Type.Object(
  {
    seconds: Type.Integer({ minimum: 1, description: 'how long the deployment must run, counted from when it became COMPLETED' }),
  },
  { additionalProperties: false },
);
export type SoakSettings = Static<typeof settingsSchema>;

/** The plugin's `config:` under `plugins:` in deploydb.yaml. */
export const configSchema = Type.Object(
  {
    apiUrl: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description: "DeployDB's own base URL, e.g. http://127.0.0.1:8080; without it a replacement is not noticed",
      }),
    ),
    token: Type.Optional(Type.String({ minLength: 1, description: 'bearer token with role read, when DeployDB has auth' })),
    timeout: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 120, default: CONFIG_DEFAULTS.timeout, description: 'seconds one API request may take' }),
    ),
  },
  { additionalProperties: false },
);
export type SoakConfigInput = Static<typeof configSchema>;

/** The plugin config with defaults filled in. */
export interface SoakConfig {
  apiUrl: string | null;
  token: string | null;
  timeout: number;
}

/** Fills in the config's defaults, so the plugin is also right when handed a config by hand. */
export function resolveConfig(input: SoakConfigInput): SoakConfig {
  return {
    apiUrl: input.apiUrl ? input.apiUrl.replace(/\/+$/, '') : null,
    token: input.token ?? null,
    timeout: input.timeout ?? CONFIG_DEFAULTS.timeout,
  };
}
