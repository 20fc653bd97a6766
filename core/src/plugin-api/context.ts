import type { Logger } from './logger.js';
import type { Clock } from './clock.js';

/** What a plugin's `create` receives. */
export interface PluginContext<C> {
  /** The plugin's `config:` from deploydb.yaml, validated, defaults filled in. */
  config: C;
  /** A child logger named after the plugin. */
  logger: Logger;
  clock: Clock;
  /** The folder of deploydb.yaml, for plugins that resolve relative paths. */
  configDir: string;
}
