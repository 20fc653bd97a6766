/** How the client commands write values for people. */

export interface ArtifactLike {
  id?: number;
  group: string;
  name: string;
  version: string;
}

/** `group:name:version` */
export function coordinates(artifact: ArtifactLike | null | undefined): string {
  return artifact ? `${artifact.group}:${artifact.name}:${artifact.version}` : '';
}

/** An ISO time as `2026-12-04 05:00:12Z` (UTC, as the API answers), or an empty cell. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** Seconds as `3d 4h`, `2h 5m`, `4m 10s` or `12s`. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '';
  const s = Math.round(seconds);
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0 || (unit === 's' && parts.length === 0)) parts.push(`${n}${unit}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

/** A ratio as a percentage with one decimal, or an empty cell. */
export function percent(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? '' : `${(ratio * 100).toFixed(1)}%`;
}

/** A path segment: names in URLs are escaped. */
export const segment = encodeURIComponent;
