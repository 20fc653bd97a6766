import fs from 'node:fs';
import path from 'node:path';
import { CORE_DIR, VERSION } from '../../version.js';

/** How a generated package depends on @deploydb/core, and why that way (said to the user). */
export interface CoreDependency {
  spec: string;
  source: string;
}

/**
 * Where the new package gets @deploydb/core, which is not on a registry: the `--core` spec when
 * given; else the tarball `npm run pack` wrote in this checkout of DeployDB; else the `file:`
 * spec the project that installed this core used; else this core's own folder.
 */
export function coreDependency(given: string | undefined): CoreDependency {
  if (given) return { spec: given, source: '--core' };
  const core = CORE_DIR;
  if (!core) throw new Error('cannot find the package.json of @deploydb/core; pass --core <spec>');
  const tarball = path.resolve(core, '..', 'dist-packages', `deploydb-core-${VERSION}.tgz`);
  if (fs.existsSync(tarball)) return { spec: `file:${tarball}`, source: 'the tarball npm run pack wrote' };
  const segments = core.split(path.sep);
  const at = segments.lastIndexOf('node_modules');
  if (at > 0) {
    const project = segments.slice(0, at).join(path.sep) || path.sep;
    const manifest = readJson(path.join(project, 'package.json'));
    const spec = manifest?.dependencies?.['@deploydb/core'] ?? manifest?.devDependencies?.['@deploydb/core'];
    if (typeof spec === 'string' && spec.startsWith('file:')) {
      return { spec: `file:${path.resolve(project, spec.slice('file:'.length))}`, source: `the one ${path.join(project, 'package.json')} names` };
    }
  }
  return { spec: `file:${core}`, source: 'the folder of the @deploydb/core running this command' };
}

function readJson(file: string): Record<string, Record<string, string> | undefined> | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}
