import { signal } from '@preact/signals';

/**
 * Routes live in the URL's hash (`#/service/faas`), so the server serves only `/` and
 * `/assets/*`, and every view has a link that can be shared or bookmarked.
 */
export interface Route {
  page: string;
  /** Path segments after the page name, decoded. */
  args: string[];
  query: URLSearchParams;
}

function parse(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const [page = '', ...args] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { page, args, query: new URLSearchParams(search) };
}

export const route = signal<Route>(parse(location.hash));

window.addEventListener('hashchange', () => {
  route.value = parse(location.hash);
});

/** A link to a page: `href('service', 'faas')`, with optional query values (empty ones left out). */
export function href(page: string, ...rest: Array<string | number | Record<string, string | number | undefined | null>>): string {
  const args = rest.filter((r): r is string | number => typeof r !== 'object').map((a) => encodeURIComponent(String(a)));
  const query = rest.find((r): r is Record<string, string | number | undefined | null> => typeof r === 'object');
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const tail = search.toString();
  return `#/${[page, ...args].filter(Boolean).join('/')}${tail ? `?${tail}` : ''}`;
}

/** Changes the query of the current page (filters), keeping its history entry. */
export function replaceQuery(values: Record<string, string | undefined>): void {
  const { page, args } = route.value;
  history.replaceState(null, '', href(page, ...args, values));
  route.value = parse(location.hash);
}
