import { parse } from 'yaml';
import Value from 'typebox/value';
import { ArtifactInputSchema, type ArtifactInput } from '@deploydb/core';

/** What one file holds: its artifacts, or why it holds none. */
export type ArtifactFile = { ok: true; artifacts: ArtifactInput[] } | { ok: false; error: string };

/**
 * Reads the text of an artifact file: one artifact `{group, name, version, sourceUrl, revision?,
 * committedAt?}` or a list of them. Every artifact must match the registration schema, or the
 * file holds none (so that a half-right list registers nothing).
 */
export function readArtifactFile(text: string): ArtifactFile {
  let data: unknown;
  try {
    data = parse(text, { prettyErrors: true });
  } catch (error) {
    return { ok: false, error: `not valid YAML: ${(error as Error).message.split('\n')[0]}` };
  }
  if (data === null || data === undefined) return { ok: false, error: 'empty: it holds no artifact' };
  const items = Array.isArray(data) ? data : [data];
  if (items.length === 0) return { ok: false, error: 'an empty list: it holds no artifact' };
  const problems = items.flatMap((item, index) => {
    // YAML reads an unquoted timestamp as a Date; the registration takes ISO-8601 text.
    if (isRecord(item) && item.committedAt instanceof Date) item.committedAt = item.committedAt.toISOString();
    const where = Array.isArray(data) ? `[${index}]` : '';
    return [...Value.Errors(ArtifactInputSchema, item)].map((error) => `${where}${error.instancePath || '/'}: ${error.message}`);
  });
  if (problems.length > 0) return { ok: false, error: `not an artifact: ${problems.slice(0, 5).join('; ')}` };
  return { ok: true, artifacts: items as ArtifactInput[] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
