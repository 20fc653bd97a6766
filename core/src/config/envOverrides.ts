import { LOG_LEVELS, type LogLevel } from './schema.js';
import type { Env } from './substitute.js';
import type { Problem } from './problems.js';

/**
 * Applies `$PORT` (over `server.port`) and `$LOG_LEVEL` (over `logging.level`) to the parsed
 * data, before the schema check. Platforms set `PORT` for the process to listen on, so it wins
 * over the file; an empty variable counts as unset, as in a shell. `LOG_LEVEL` is taken in any
 * case (`INFO` is `info`). An invalid value is a problem at the key it would override.
 */
export function applyEnvOverrides(data: Record<string, unknown>, env: Env): Problem[] {
  const problems: Problem[] = [];

  const port = env.PORT?.trim();
  if (port) {
    const number = /^\d+$/.test(port) ? Number(port) : NaN;
    if (number >= 1 && number <= 65535) override(data, 'server', 'port', number);
    else problems.push({ pointer: '/server/port', message: `$PORT must be an integer from 1 to 65535, not ${JSON.stringify(env.PORT)}` });
  }

  const level = env.LOG_LEVEL?.trim().toLowerCase();
  if (level) {
    if ((LOG_LEVELS as readonly string[]).includes(level)) override(data, 'logging', 'level', level as LogLevel);
    else
      problems.push({
        pointer: '/logging/level',
        message: `$LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(env.LOG_LEVEL)}`,
      });
  }
  return problems;
}

function override(data: Record<string, unknown>, section: string, key: string, value: unknown): void {
  const current = data[section];
  // A section that is not a mapping is the schema's to report; overriding it would hide that.
  if (current === undefined) data[section] = { [key]: value };
  else if (typeof current === 'object' && current !== null && !Array.isArray(current)) data[section] = { ...current, [key]: value };
}
