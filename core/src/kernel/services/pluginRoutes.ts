import type { PluginRoutes, PluginRouteSpec } from '../../plugin-api/coreServices.js';
import type { RouteSpec } from '../../http/route.js';

/** Where a plugin's routes live: `/api/plugins/` and its id (a scoped package keeps its `@scope/`). */
export function pluginBasePath(pluginId: string): string {
  return `/api/plugins/${pluginId}`;
}

/**
 * A plugin's routes (`coreServices.routes`): each declared like core's, under the plugin's base
 * path, tagged `plugins`, collected into `into` for the HTTP server (built after plugins start).
 */
export function pluginRoutes(pluginId: string, into: RouteSpec[]): PluginRoutes {
  const basePath = pluginBasePath(pluginId);
  return {
    basePath,
    add(route: PluginRouteSpec<any, any>) {
      if ((route.method as string) !== 'get') throw new Error(`plugin routes read (GET); ${String(route.method).toUpperCase()} ${route.path} is not one`);
      if (!route.path.startsWith('/')) throw new Error(`a plugin route's path starts with "/" (got "${route.path}")`);
      into.push({ ...(route as unknown as RouteSpec), path: `${basePath}${route.path === '/' ? '' : route.path}`, tag: 'plugins' });
    },
  };
}
