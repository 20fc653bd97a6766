import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { checkFile } from './checkFile.js';
import { checkModel } from './checkModel.js';
import { deepFreeze } from './deepFreeze.js';
import { applyEnvOverrides } from './envOverrides.js';
import { loadPlugins, type DescribePlugin } from './loadPlugins.js';
import type { DeployDbConfig } from './model.js';
import { toModel } from './normalize.js';
import { parseYaml } from './parseYaml.js';
import { formatPath, valueAt } from './paths.js';
import type { SourceMap } from './positions.js';
import { ConfigInvalidError, type ConfigProblem, type Problem } from './problems.js';
import type { ConfigFile } from './schema.js';
import { explainRetyped, substituteDocument, type Env } from './substitute.js';

export { ConfigInvalidError } from './problems.js';

export interface LoadConfigOptions {
  /** The configuration file (see `findConfigPath`); relative paths are taken from the working folder. */
  path: string;
  /** Where `${NAME}`, `$PORT` and `$LOG_LEVEL` come from, usually `process.env`. */
  env: Env;
  /** Imports a plugin package named in the file; supplied by the kernel. */
  describePlugin: DescribePlugin;
  /** The file's text, to load without reading `path` (which still names the file and its folder). */
  source?: string;
}

/**
 * Loads `deploydb.yaml`: parses it keeping positions, substitutes the environment, checks it
 * against the schema, loads the plugins it names and checks every reference and every
 * promotion's settings with its plugin. Returns the configuration with defaults filled in, in
 * file order, deep-frozen.
 *
 * @throws ConfigInvalidError listing every problem found, each with file, line, column and key path.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<DeployDbConfig> {
  const path = resolve(options.path);
  const fileName = basename(path);
  const source = options.source ?? (await readSource(path, fileName));

  const parsed = parseYaml(source);
  const { sourceMap } = parsed;
  if (parsed.problems.length > 0) throw invalid(parsed.problems, fileName, sourceMap, undefined);

  const version = parsed.document.directives?.yaml.version === '1.1' ? '1.1' : '1.2';
  const substitution = substituteDocument(sourceMap, source, options.env, version);
  let data: unknown;
  try {
    data = parsed.document.toJS();
  } catch (error) {
    // e.g. aliases expanding beyond yaml's limit, which guards against "billion laughs" files.
    const message = error instanceof Error ? error.message : String(error);
    throw invalid([...substitution.problems, { pointer: '', message }], fileName, sourceMap, undefined);
  }
  const overrides = isRecord(data) ? applyEnvOverrides(data, options.env) : [];

  const fileCheck = checkFile(data);
  const plugins = await loadPlugins(data, options.describePlugin, dirname(path));
  const keyOrder = (pointer: string) => sourceMap.keysOf(pointer);
  const model = checkModel({ data, file: fileCheck.file, plugins, keyOrder });

  // A value whose substitution failed still holds its `${...}`; what later checks say of it is noise.
  const unresolved = new Set(substitution.problems.map((problem) => problem.pointer));
  const later = [...overrides, ...fileCheck.problems, ...plugins.problems, ...model.problems].filter(
    (problem) => !unresolved.has(problem.pointer),
  );
  const problems = [...substitution.problems, ...explainRetyped(later, substitution.retyped)];
  if (problems.length > 0) throw invalid(problems, fileName, sourceMap, data);

  const config = toModel(fileCheck.file as ConfigFile, {
    path,
    settings: model.settings,
    pluginConfigs: model.pluginConfigs,
    queueConfig: model.queueConfig,
    keyOrder,
  });
  return deepFreeze(config);
}

async function readSource(path: string, fileName: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `no configuration file at ${path}`
        : code === 'EISDIR'
          ? `${path} is a folder, not a configuration file`
          : `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`;
    throw new ConfigInvalidError([{ file: fileName, line: 0, column: 0, path: '', pointer: '', message }]);
  }
}

/** Places every problem in the file, drops repeats, and orders them as they appear in it. */
function invalid(problems: Problem[], fileName: string, sourceMap: SourceMap, data: unknown): ConfigInvalidError {
  const isList = (pointer: string) => sourceMap.isList(pointer) || Array.isArray(valueAt(data, pointer));
  const seen = new Set<string>();
  const located: ConfigProblem[] = [];
  for (const problem of problems) {
    const once = `${problem.pointer}\u0000${problem.message}`;
    if (seen.has(once)) continue;
    seen.add(once);
    const { line, column } = sourceMap.locate(problem);
    located.push({ file: fileName, line, column, path: formatPath(problem.pointer, isList), pointer: problem.pointer, message: problem.message });
  }
  located.sort((a, b) => a.line - b.line || a.column - b.column);
  return new ConfigInvalidError(located);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
