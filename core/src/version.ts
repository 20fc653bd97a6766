import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Manifest {
  name?: string;
  version?: string;
  license?: string;
}

const manifest = findManifest(path.dirname(fileURLToPath(import.meta.url)));

/** The version of @deploydb/core, from its package.json. */
export const VERSION: string = manifest?.version ?? '0.0.0';

/** The SPDX license of @deploydb/core, from its package.json. */
export const LICENSE: string = manifest?.license ?? 'MIT';

/** The package.json of @deploydb/core, found upwards: sources and bundles sit at different depths. */
function findManifest(dir: string): Manifest | null {
  for (let current = dir; ; current = path.dirname(current)) {
    const file = path.join(current, 'package.json');
    if (fs.existsSync(file)) {
      const found = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
      if (found.name === '@deploydb/core' && found.version) return found;
    }
    if (path.dirname(current) === current) return null;
  }
}
