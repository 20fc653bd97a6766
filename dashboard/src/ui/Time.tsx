import { signal } from '@preact/signals';
import { ago, when } from './format';

/** The clock relative times are shown against; one timer for the whole page. */
const now = signal(Date.now());
setInterval(() => (now.value = Date.now()), 20_000);

/** "3 h ago", with the exact time on hover and for assistive technology. */
export function Ago({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={when(iso)}>
      {ago(iso, now.value)}
    </time>
  );
}

/** The exact time, in the reader's time zone. */
export function At({ iso }: { iso: string }) {
  return <time dateTime={iso}>{when(iso)}</time>;
}
