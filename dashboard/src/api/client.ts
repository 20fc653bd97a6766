import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

/** An API answer other than 2xx, with the contract's error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let bearer: string | null = null;
let onUnauthorized: () => void = () => undefined;

/** The token sent with every call from now on (null: none), and what to do when the server refuses it. */
export function useToken(token: string | null, unauthorized: () => void): void {
  bearer = token;
  onUnauthorized = unauthorized;
}

/** The current bearer token, for the event stream (which is read with fetch, outside this client). */
export function currentToken(): string | null {
  return bearer;
}

const authorize: Middleware = {
  onRequest({ request }) {
    if (bearer) request.headers.set('authorization', `Bearer ${bearer}`);
    return request;
  },
};

/** The typed DeployDB API client: paths, parameters and answers come from /openapi.json. */
export const api = createClient<paths>({ baseUrl: location.origin });
api.use(authorize);

interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's body, or an ApiError with the server's code and message. A 401 signs out. */
export async function unwrap<T>(call: Promise<Outcome<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const body = (error ?? {}) as { error?: { code?: string; message?: string; details?: Array<{ path: string; message: string }> } };
  if (response.status === 401) onUnauthorized();
  throw new ApiError(
    response.status,
    body.error?.code ?? 'http_error',
    body.error?.message ?? `the server answered ${response.status} ${response.statusText}`.trim(),
    body.error?.details ?? [],
  );
}

/** Every item of a list, following `nextCursor` up to `max` items (lists come oldest first). */
export async function allPages<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>, max = 2000): Promise<{ items: T[]; complete: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const answer = await page(cursor);
    items.push(...answer.items);
    if (answer.nextCursor === null) return { items, complete: true };
    if (items.length >= max) return { items, complete: false };
    cursor = answer.nextCursor;
  }
}
