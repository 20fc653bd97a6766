import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DeployDbError } from '../errors.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite's asset names: a name, a hash, an extension; nothing that could climb out of the folder. */
const ASSET_NAME = /^[\w-]+(\.[\w-]+)*$/;

/**
 * The page talks to its own origin only: no CDN, no inline script, no framing. Styles set
 * through the DOM are allowed; `style` attributes in the markup are not used.
 */
const INDEX_HEADERS = {
  'content-type': CONTENT_TYPES['.html']!,
  // The page names the hashed assets of the current build: always ask again.
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Hashed names change with their content, so browsers may keep them forever. */
const ASSET_CACHE = 'public, max-age=31536000, immutable';

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>DeployDB: dashboard not built</title></head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1f2328">
<h1 style="font-size: 1.4rem">The DeployDB dashboard is not built</h1>
<p>This server is running, and its API answers under <a href="/api/services">/api</a>
(described at <a href="/openapi.json">/openapi.json</a>), but the web dashboard's files were not found.</p>
<p>Build them in the DeployDB repository with <code>npm run build</code> (or <code>npm start</code>, which builds what is missing), then reload this page.</p>
</body></html>
`;

/**
 * Serves the dashboard's static files (index.html and `assets/*`) from the `dist` folder of the
 * `@deploydb/dashboard` package, found through package resolution. Files are read on each request,
 * so a rebuild is picked up without a restart; without a build, `/` explains how to make one.
 */
export class DashboardAssets {
  /** @param dist the folder holding index.html and assets/; default: `@deploydb/dashboard`'s dist, if installed. */
  constructor(private readonly dist: string | null = locateDashboardDist()) {}

  /** index.html, or a page saying how to build the dashboard (404) when it is not built. */
  async index(): Promise<Response> {
    const html = this.dist ? await readIfPresent(path.join(this.dist, 'index.html')) : null;
    if (!html) return new Response(NOT_BUILT_PAGE, { status: 404, headers: { 'content-type': CONTENT_TYPES['.html']!, 'cache-control': 'no-cache' } });
    return new Response(new Uint8Array(html), { status: 200, headers: INDEX_HEADERS });
  }

  /** One file of `assets/`, cached forever by the browser; 404 for anything else. */
  async asset(name: string): Promise<Response> {
    const type = CONTENT_TYPES[path.extname(name)];
    const content = type && ASSET_NAME.test(name) && this.dist ? await readIfPresent(path.join(this.dist, 'assets', name)) : null;
    if (!content) throw new DeployDbError('not_found', `no dashboard asset "${name.slice(0, 200)}"`);
    return new Response(new Uint8Array(content), {
      status: 200,
      headers: { 'content-type': type!, 'cache-control': ASSET_CACHE, 'x-content-type-options': 'nosniff' },
    });
  }
}

/** The dist folder of the installed `@deploydb/dashboard` package, or null when it is not installed. */
export function locateDashboardDist(): string | null {
  try {
    const manifest = createRequire(import.meta.url).resolve('@deploydb/dashboard/package.json');
    return path.join(path.dirname(manifest), 'dist');
  } catch {
    return null;
  }
}

async function readIfPresent(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') return null;
    throw error;
  }
}
