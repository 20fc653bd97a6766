import { resolve } from 'node:path';
import type { Env } from './substitute.js';

export interface FindConfigPathOptions {
  /** The value of `--config`, if given. */
  flag?: string | undefined;
  env: Env;
  cwd: string;
}

/** The file name looked for in the working folder when nothing else names one. */
export const DEFAULT_CONFIG_FILE = 'deploydb.yaml';

/**
 * Where the configuration is: `--config PATH`, else `$DEPLOYDB_CONFIG`, else
 * `<cwd>/deploydb.yaml`. Relative paths are taken from `cwd`; the result is absolute. An empty
 * flag or variable counts as not given.
 */
export function findConfigPath({ flag, env, cwd }: FindConfigPathOptions): string {
  const chosen = [flag, env.DEPLOYDB_CONFIG].find((candidate) => candidate !== undefined && candidate.trim() !== '');
  return resolve(cwd, chosen ?? DEFAULT_CONFIG_FILE);
}
