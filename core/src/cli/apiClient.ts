import { describeFetchError } from '../fetchError.js';
import type { ErrorBody } from '../errorResponse.js';
import { RefusedError, UnreachableError } from './cliErrors.js';
import { withProgress } from './progress.js';

export interface ClientSettings {
  /** Base URL of DeployDB; default `$DEPLOYDB_URL`, else http://127.0.0.1:8080. */
  url?: string;
  /** Bearer token; default `$DEPLOYDB_TOKEN`. */
  token?: string;
}

type Query = Record<string, string | number | undefined>;

/** Calls the HTTP API for the client commands; a refusal throws RefusedError, no answer UnreachableError. */
export class ApiClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;

  constructor(settings: ClientSettings, env: NodeJS.ProcessEnv = process.env) {
    this.baseUrl = (settings.url ?? env.DEPLOYDB_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
    this.token = settings.token ?? env.DEPLOYDB_TOKEN;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, undefined, query);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  /** Every item of a paged list, following `nextCursor`. */
  async all<T>(path: string, query: Query = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.get<{ items: T[]; nextCursor: string | null }>(path, { ...query, limit: 500, cursor });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }

  /** The full URL of a path with its query (empty values left out). */
  url(path: string, query: Query = {}): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') search.set(key, String(value));
    const text = search.toString();
    return `${this.baseUrl}${path}${text ? `?${text}` : ''}`;
  }

  /** Headers of every call: the token, when there is one. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  /** Fetches, turning a network failure into UnreachableError. */
  async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new UnreachableError(`cannot reach ${this.baseUrl}: ${describeFetchError(error)}`);
    }
  }

  /** Throws the server's refusal of a response that is not 2xx. */
  static async refusal(response: Response): Promise<RefusedError> {
    const text = await response.text();
    return new RefusedError(response.status, parseErrorBody(text), text);
  }

  private async request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    const url = this.url(path, query);
    const init: RequestInit = {
      method,
      headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    return withProgress(`${method} ${path}`, this.fetchJson<T>(url, init));
  }

  private async fetchJson<T>(url: string, init: RequestInit): Promise<T> {
    const response = await this.fetch(url, init);
    if (!response.ok) throw await ApiClient.refusal(response);
    const text = await response.text();
    return (text ? JSON.parse(text) : null) as T;
  }
}

function parseErrorBody(text: string): ErrorBody | null {
  try {
    const parsed = JSON.parse(text) as ErrorBody;
    return typeof parsed?.error?.code === 'string' ? parsed : null;
  } catch {
    return null;
  }
}
