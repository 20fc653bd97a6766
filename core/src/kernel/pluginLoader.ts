import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPluginDefinition, PLUGIN_API_VERSION, SUPPORTED_PLUGIN_API_VERSIONS, type PluginDefinition } from '../plugin-api/definePlugin.js';
import { DeployDbError } from '../errors.js';

/**
 * Imports a plugin package named in deploydb.yaml and checks it is one: found from the
 * configuration's folder first (a project that installed it), then from DeployDB's own
 * install; a path starting with "." is a local plugin relative to the configuration's folder.
 */
export async function importPlugin(name: string, configDir: string): Promise<PluginDefinition> {
  const target = name.startsWith('.') ? pathToFileURL(path.resolve(configDir, name)).href : (resolveFrom(name, configDir) ?? name);
  let module: { default?: unknown };
  try {
    module = (await import(target)) as { default?: unknown };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(name)) {
      throw new DeployDbError('config_invalid', `plugin package "${name}" is not installed: run npm install ${name}`, [], {}, { cause: error });
    }
    throw new DeployDbError('config_invalid', `plugin package "${name}" failed to load: ${(error as Error).message}`, [], {}, { cause: error });
  }
  const plugin = module.default;
  if (!isPluginDefinition(plugin)) {
    throw new DeployDbError('config_invalid', `package "${name}" is not a DeployDB plugin: its default export must be made with definePlugin from @deploydb/core`);
  }
  if (!SUPPORTED_PLUGIN_API_VERSIONS.includes(plugin.apiVersion)) {
    throw new DeployDbError('config_invalid', `plugin "${name}" speaks plugin API ${plugin.apiVersion}; this DeployDB speaks ${PLUGIN_API_VERSION} (and loads ${SUPPORTED_PLUGIN_API_VERSIONS.join(', ')})`);
  }
  return plugin;
}

/** Finds `node_modules/<name>` walking up from `dir` and returns its ESM entry as a file URL. */
function resolveFrom(name: string, dir: string): string | null {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const packageDir = path.join(current, 'node_modules', name);
    const manifestPath = path.join(packageDir, 'package.json');
    if (fs.existsSync(manifestPath)) {
      const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { main?: string; exports?: unknown };
      const entry = exportEntry(manifest.exports) ?? manifest.main ?? 'index.js';
      return pathToFileURL(path.join(packageDir, entry)).href;
    }
    if (path.dirname(current) === current) return null;
  }
}

function exportEntry(exports: unknown): string | null {
  if (typeof exports === 'string') return exports;
  if (!exports || typeof exports !== 'object') return null;
  const root = (exports as Record<string, unknown>)['.'] ?? exports;
  if (typeof root === 'string') return root;
  if (root && typeof root === 'object') {
    const conditions = root as Record<string, unknown>;
    for (const key of ['import', 'node', 'default']) {
      const value = conditions[key];
      if (typeof value === 'string') return value;
      if (value && typeof value === 'object' && typeof (value as Record<string, unknown>).default === 'string') return (value as Record<string, string>).default;
    }
  }
  return null;
}
