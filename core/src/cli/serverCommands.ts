import { findConfigPath, loadConfig } from '../config/index.js';
import { isDeployDbError } from '../errors.js';
import { Kernel } from '../kernel/kernel.js';
import { createLogger } from '../kernel/logger.js';
import { importPlugin } from '../kernel/pluginLoader.js';
import { openDatabase } from '../store/database.js';

/** Exit codes: 0 done, 1 failed, 2 invalid configuration; -1 keeps running (start). */
export async function runServerCommand(command: 'start' | 'validate' | 'migrate', configFlag: string | undefined): Promise<number> {
  const path = findConfigPath({ flag: configFlag, env: process.env, cwd: process.cwd() });
  try {
    if (command === 'validate') {
      await loadConfig({ path, env: process.env, describePlugin: importPlugin });
      process.stdout.write(`${path}: ok\n`);
      return 0;
    }
    if (command === 'migrate') {
      const config = await loadConfig({ path, env: process.env, describePlugin: importPlugin });
      const logger = createLogger(config.logging);
      const db = await openDatabase({ url: config.database.url, dir: config.database.dir, logger });
      try {
        const applied = await db.migrate();
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the database is up to date\n');
      } finally {
        await db.close();
      }
      return 0;
    }
    const kernel = await Kernel.start({ configPath: path });
    handleSignals(kernel);
    return -1;
  } catch (error) {
    if (isDeployDbError(error) && error.code === 'config_invalid') {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

/** SIGTERM/SIGINT: graceful stop, exit 0 within 30 s. SIGHUP: reload the configuration. */
function handleSignals(kernel: Kernel): void {
  const stop = (signal: string) => {
    kernel.logger.info({ signal }, 'stopping');
    setTimeout(() => {
      kernel.logger.error('did not stop within 30 s; exiting');
      process.exit(1);
    }, 30_000).unref();
    kernel.stop().then(
      () => {
        (kernel.logger as { flush?: () => void }).flush?.();
        process.exit(0);
      },
      (error) => {
        kernel.logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => void kernel.reloadOnSignal());
}
