/** Short, human durations: 45 s, 12 min, 3 h 20 min, 4 d 2 h. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** How long ago, relative to `now` (milliseconds). */
export function ago(iso: string, now: number): string {
  const seconds = (now - Date.parse(iso)) / 1000;
  if (seconds < 45) return 'just now';
  return `${duration(seconds)} ago`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** A timestamp in the reader's time zone. */
export function when(iso: string): string {
  return dateTime.format(new Date(iso));
}

/** `group:name`, shortened to `name` when the service has only that group. */
export function moduleOf(artifact: { group: string; name: string }): string {
  return `${artifact.group}:${artifact.name}`;
}

export function percent(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(rate < 0.1 && rate > 0 ? 1 : 0)} %`;
}
