import fs from 'node:fs';
import path from 'node:path';
import { coreDependency, type CoreDependency } from './coreDependency.js';
import { pluginNames, type PluginNames, type ScaffoldKind } from './names.js';
import { packageFiles, type GeneratedFile } from './packageFiles.js';
import { promotionTemplate } from './promotionTemplate.js';
import { readme } from './readme.js';
import { sourceTemplate } from './sourceTemplate.js';
import { subscriberTemplate } from './subscriberTemplate.js';
import { VERSION } from '../../version.js';

const TEMPLATES: Record<ScaffoldKind, (names: PluginNames) => GeneratedFile[]> = {
  promotion: promotionTemplate,
  subscriber: subscriberTemplate,
  source: sourceTemplate,
};

export interface ScaffoldOptions {
  kind: ScaffoldKind;
  name: string;
  /** The package folder; default `./<package name>`. It must not exist, or be empty. */
  dir?: string;
  /** How the package depends on @deploydb/core (an npm spec, e.g. `file:/path/deploydb-core-0.1.0.tgz`). */
  core?: string;
  cwd: string;
}

export interface Scaffolded {
  names: PluginNames;
  dir: string;
  core: CoreDependency;
  files: string[];
}

/** The files of a new plugin package of `kind`, ready to build and pass its tests. */
export function scaffoldFiles(names: PluginNames, coreSpec: string): GeneratedFile[] {
  return [...packageFiles(names, coreSpec, VERSION), ...TEMPLATES[names.kind](names), readme(names)];
}

/** Writes a new plugin package; throws when its folder exists and is not empty. */
export function writeScaffold(options: ScaffoldOptions): Scaffolded {
  const names = pluginNames(options.kind, options.name);
  const dir = path.resolve(options.cwd, options.dir ?? names.packageName);
  if (fs.existsSync(dir) && (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length > 0)) {
    throw new Error(`${dir} already exists and is not an empty folder; choose another with --dir`);
  }
  const core = coreDependency(options.core);
  const files = scaffoldFiles(names, core.spec);
  for (const file of files) {
    const target = path.join(dir, file.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, file.text);
  }
  return { names, dir, core, files: files.map((f) => f.path) };
}
