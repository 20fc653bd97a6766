/** Marks drawn in the page itself (no icon font, nothing fetched): each pairs with text, never alone. */
const PATHS = {
  pass: 'M3.5 8.5l3 3 6-7',
  fail: 'M4.5 4.5l7 7M11.5 4.5l-7 7',
  running: 'M8 2.5a5.5 5.5 0 1 1-5.5 5.5',
  waiting: 'M8 4.5V8l2.5 1.5',
  idle: '',
  arrow: 'M3 8h9M9 5l3 3-3 3',
  retry: 'M12.5 8a4.5 4.5 0 1 1-1.3-3.2M12.5 3v2.5H10',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, class: className = '' }: { name: IconName; class?: string }) {
  return (
    <svg class={`icon icon-${name} ${className}`} viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      {name === 'waiting' || name === 'idle' ? <circle cx="8" cy="8" r="5.5" /> : null}
      {PATHS[name] ? <path d={PATHS[name]} /> : null}
    </svg>
  );
}
