import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import type { Artifact, ArtifactInput } from '@deploydb/core';

/** A path segment made of any text: `/`, `\` and the names `.` and `..` cannot leave the folder. */
function segment(text: string): string {
  const encoded = text.replace(/[%/\\\0]/g, (ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
  return encoded === '.' || encoded === '..' ? encoded.replace(/\./g, '%2E') : encoded;
}

/** Where the mirror keeps an artifact: `<dir>/<group>/<name>/<version>.yaml`. */
export function mirrorPathOf(dir: string, artifact: Pick<ArtifactInput, 'group' | 'name' | 'version'>): string {
  return path.join(dir, segment(artifact.group), segment(artifact.name), `${segment(artifact.version)}.yaml`);
}

/** The registration an artifact came from: what a replay sends again. */
export function registrationOf(artifact: Artifact): ArtifactInput {
  return {
    group: artifact.group,
    name: artifact.name,
    version: artifact.version,
    sourceUrl: artifact.sourceUrl,
    ...(artifact.revision ? { revision: artifact.revision } : {}),
    ...(artifact.committedAt ? { committedAt: artifact.committedAt } : {}),
  };
}

/**
 * Writes an artifact's file atomically (a temporary file beside it, then a rename), so that a
 * reader (the watcher, git) never sees half a file. A file already holding it is left alone.
 * Answers whether it wrote.
 */
export async function writeMirrorFile(dir: string, artifact: Artifact): Promise<boolean> {
  const target = mirrorPathOf(dir, artifact);
  const text = stringify(registrationOf(artifact));
  const existing = await fs.readFile(target, 'utf8').catch(() => null);
  if (existing === text) return false;
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.writeFile(temporary, text, { flag: 'wx' });
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
  return true;
}
