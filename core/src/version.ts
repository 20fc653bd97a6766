import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version of @deploydb/core, from its package.json (found upwards: sources and bundles sit at different depths). */
export const VERSION: string = findVersion(path.dirname(fileURLToPath(import.meta.url)));

function findVersion(dir: string): string {
  for (let current = dir; ; current = path.dirname(current)) {
    const file = path.join(current, 'package.json');
    if (fs.existsSync(file)) {
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === '@deploydb/core' && manifest.version) return manifest.version;
    }
    if (path.dirname(current) === current) return '0.0.0';
  }
}
