import { Type, type Static } from '@deploydb/core';

/** Defaults of the plugin's `config:` (and of the settings that override it). */
export const CONFIG_DEFAULTS = { pollInterval: 5, timeout: 600 } as const;

const Seconds = (description: string, defaultValue?: number) =>
  Type.Number({ exclusiveMinimum: 0, description, ...(defaultValue === undefined ? {} : { default: defaultValue }) });

/** The plugin's `config:` under `plugins:` in deploydb.yaml. */
export const configSchema = Type.Object(
  {
    baseUrl: Type.String({ pattern: '^https?://', description: 'Jenkins root URL, e.g. http://jenkins.internal:8080' }),
    user: Type.Optional(Type.String({ description: 'user for Basic auth' })),
    token: Type.Optional(Type.String({ description: 'API token (or password) for Basic auth' })),
    pollInterval: Type.Optional(Seconds('seconds between two polls of Jenkins', CONFIG_DEFAULTS.pollInterval)),
    timeout: Type.Optional(Seconds('seconds Jenkins may stay unreachable before the promotion fails', CONFIG_DEFAULTS.timeout)),
  },
  { additionalProperties: false },
);

/** Settings of a `type: JenkinsPromotion` promotion in deploydb.yaml. */
export const settingsSchema = Type.Object(
  {
    jobs: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'jobs to run; "folder/job" for a job in a folder' }),
    parameters: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
        description: 'extra build parameters, sent to every job',
      }),
    ),
    mode: Type.Optional(
      Type.Union([Type.Literal('trigger'), Type.Literal('report')], {
        default: 'trigger',
        description: 'trigger: DeployDB starts the jobs and polls them; report: CI reports the result',
      }),
    ),
    pollInterval: Type.Optional(Seconds('overrides the plugin config')),
    timeout: Type.Optional(Seconds('overrides the plugin config')),
  },
  { additionalProperties: false },
);

export type JenkinsConfigInput = Static<typeof configSchema>;
export type JenkinsSettingsInput = Static<typeof settingsSchema>;

/** The plugin config with defaults filled in. */
export interface JenkinsConfig {
  baseUrl: string;
  user: string | null;
  token: string | null;
  pollInterval: number;
  timeout: number;
}

/** One promotion's effective settings: its own, then the plugin config's, then the defaults. */
export interface JenkinsSettings {
  jobs: string[];
  parameters: Record<string, string>;
  mode: 'trigger' | 'report';
  pollInterval: number;
  timeout: number;
}

/** Fills in the config's defaults (the kernel does too; this keeps direct callers correct). */
export function resolveConfig(input: JenkinsConfigInput): JenkinsConfig {
  return {
    baseUrl: input.baseUrl,
    user: input.user ?? null,
    token: input.token ?? null,
    pollInterval: input.pollInterval ?? CONFIG_DEFAULTS.pollInterval,
    timeout: input.timeout ?? CONFIG_DEFAULTS.timeout,
  };
}

/** Merges a promotion's settings over the plugin config. */
export function resolveSettings(input: JenkinsSettingsInput, config: JenkinsConfig): JenkinsSettings {
  const parameters: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.parameters ?? {})) parameters[key] = String(value);
  return {
    jobs: [...input.jobs],
    parameters,
    mode: input.mode ?? 'trigger',
    pollInterval: input.pollInterval ?? config.pollInterval,
    timeout: input.timeout ?? config.timeout,
  };
}
