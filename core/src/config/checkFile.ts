import { checkSchema, kindOf, type MessageRule } from './checkSchema.js';
import { splitPointer } from './paths.js';
import type { Problem } from './problems.js';
import {
  ConfigFileSchema,
  EnvironmentSchema,
  NAME_PATTERN,
  PipelineSchema,
  PromotionSchema,
  ServiceSchema,
  type ConfigFile,
} from './schema.js';

/** The sections that map names to entries, and the schema of their entries. */
const NAMED_SECTIONS = {
  environments: EnvironmentSchema,
  promotions: PromotionSchema,
  pipelines: PipelineSchema,
  services: ServiceSchema,
} as const;

export type NamedSection = keyof typeof NAMED_SECTIONS;

export interface FileCheck {
  /**
   * The sections that passed the schema, defaults filled in. A section with any problem is left
   * out, so that the checks that follow skip what depends on it instead of piling up on it; of
   * a named section (environments, promotions, pipelines, services) the valid entries are kept.
   */
  file: Partial<ConfigFile>;
  problems: Problem[];
}

const RULES: readonly MessageRule[] = [
  // Each invalid name is reported on its own, below.
  { pointer: /^\/(environments|promotions|pipelines|services)$/, when: /^property names .* invalid$/, message: null },
  {
    pointer: /^\/(environments|promotions|pipelines|services)\/[^/]+$/,
    when: /^must match pattern/,
    at: 'key',
    message: (pointer) =>
      `invalid name ${JSON.stringify(splitPointer(pointer).at(-1))}: a name starts with a letter or digit and has only letters, digits, ".", "_" and "-" (it appears in URLs)`,
  },
  {
    pointer: /^\/pipelines\/[^/]+\/environments\/\d+$/,
    when: /^does not match any allowed form$/,
    message: (_, value) => `must be an environment name or a mapping { name, promotions }, not ${kindOf(value)}`,
  },
  {
    pointer: /^\/auth\/tokens\/\d+\/tokenHash$/,
    when: /^must match pattern/,
    message: 'must be "sha256:" followed by the 64 hexadecimal digits of the token\'s SHA-256',
  },
  {
    pointer: /^\/webhooks\/\d+\/secret$/,
    when: /^does not match any allowed form$/,
    message: 'must be a Standard Webhooks secret: "whsec_" followed by base64',
  },
  {
    pointer: /^\/(database\/url|environments\/[^/]+\/(url|description))$/,
    when: /^does not match any allowed form$/,
    message: (_, value) => `must be a string, not ${kindOf(value)}`,
  },
];

/** Checks parsed `deploydb.yaml` data against {@link ConfigFileSchema}, section by section. */
export function checkFile(data: unknown): FileCheck {
  const document = data ?? {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    return {
      file: {},
      problems: [{ pointer: '', message: `the configuration must be a mapping of sections (server, environments, ...), not ${kindOf(document)}` }],
    };
  }
  const sections = document as Record<string, unknown>;
  const whole = checkSchema(ConfigFileSchema, document, { rules: RULES });
  if (whole.ok) return { file: whole.value, problems: [] };

  const problems = whole.problems;
  const failed = new Set(problems.map((problem) => splitPointer(problem.pointer)[0] ?? ''));
  const rest = Object.fromEntries(Object.entries(document).filter(([section]) => !failed.has(section)));
  const valid = checkSchema(ConfigFileSchema, rest);
  if (!valid.ok) return { file: {}, problems };
  // The second check filled the failed sections with their defaults; they are not valid for all that.
  const file = Object.fromEntries(Object.entries(valid.value).filter(([section]) => !failed.has(section))) as Partial<ConfigFile>;
  for (const [section, schema] of Object.entries(NAMED_SECTIONS) as [NamedSection, (typeof NAMED_SECTIONS)[NamedSection]][]) {
    const map = sections[section];
    if (failed.has(section) && isMapping(map)) (file as Record<string, unknown>)[section] = validEntries(schema, map);
  }
  return { file, problems };
}

const NAME = new RegExp(NAME_PATTERN);

function validEntries(schema: (typeof NAMED_SECTIONS)[NamedSection], map: Record<string, unknown>): Record<string, unknown> {
  const valid: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(map)) {
    const checked = NAME.test(key) ? checkSchema(schema, value) : undefined;
    if (checked?.ok) valid[key] = checked.value;
  }
  return valid;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
