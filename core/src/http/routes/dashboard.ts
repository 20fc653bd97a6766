import Type from 'typebox';
import type { DashboardAssets } from '../dashboardAssets.js';
import { defineRoute, type RouteSpec } from '../route.js';

/**
 * The web dashboard's static files (CONTRACT §13), public like /health: the page asks for a
 * token itself when auth is on. It routes on the URL's hash, so only `/` and `/assets/*` exist.
 */
export function dashboardRoutes(assets: DashboardAssets): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/',
      operationId: 'getDashboard',
      tag: 'dashboard',
      summary: 'The web dashboard (HTML); without a build, a page saying how to build it (404)',
      roles: 'public',
      responses: { 200: { description: 'The dashboard page, text/html' }, 404: { description: 'The dashboard is not built: a page saying how to build it' } },
      handler: () => assets.index(),
    }),
    defineRoute({
      method: 'get',
      path: '/assets/:file',
      operationId: 'getDashboardAsset',
      tag: 'dashboard',
      summary: "One of the dashboard's hashed assets (scripts, styles, icons), cacheable forever",
      roles: 'public',
      params: Type.Object({ file: Type.String({ minLength: 1, maxLength: 255 }) }),
      responses: { 200: { description: 'The file, with its content type' } },
      errors: [404],
      handler: ({ params }) => assets.asset(params.file),
    }),
  ];
}
