import type { Command } from 'commander';
import { approveCommand } from './approve.js';
import { artifactCommands } from './artifact.js';
import { deployCommands } from './deploy.js';
import { deploymentCommands } from './deployment.js';
import { diffCommand } from './diff.js';
import { doraCommand } from './dora.js';
import { historyCommand } from './history.js';
import { newCommand } from './new.js';
import { rollbackCommand } from './rollback.js';
import { serverCommands } from './server.js';
import { statusCommand } from './status.js';
import { tokenCommands } from './token.js';
import { watchCommand } from './watch.js';

/** A command module adds its commands (with their options and actions) to the program. */
export type CommandModule = (program: Command) => void;

/** Every command of `deploydb`, in the order `--help` lists them. A new module is one line here. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  serverCommands,
  statusCommand,
  historyCommand,
  diffCommand,
  doraCommand,
  watchCommand,
  artifactCommands,
  deploymentCommands,
  approveCommand,
  deployCommands,
  rollbackCommand,
  tokenCommands,
  newCommand,
];
