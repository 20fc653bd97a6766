import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Manifest {
  name?: string;
  version?: string;
  license?: string;
}

const found = findManifest(path.dirname(fileURLToPath(import.meta.url)));
const manifest = found?.manifest ?? null;

/** The folder of @deploydb/core (its package.json), or null when it cannot be found. */
export const CORE_DIR: string | null = found?.dir ?? null;

/** The version of @deploydb/core, from its package.json. */
export const VERSION: string = manifest?.version ?? '0.0.0';

/** The SPDX license of @deploydb/core, from its package.json. */
export const LICENSE: string = manifest?.license ?? 'MIT';

/** The package.json of @deploydb/core, found upwards: sources and bundles sit at different depths. */
function findManifest(dir: string): { manifest: Manifest; dir: string } | null {
  for (let current = dir; ; current = path.dirname(current)) {
    const file = path.join(current, 'package.json');
    if (fs.existsSync(file)) {
      const found = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
      if (found.name === '@deploydb/core' && found.version) return { manifest: found, dir: current };
    }
    if (path.dirname(current) === current) return null;
  }
}
