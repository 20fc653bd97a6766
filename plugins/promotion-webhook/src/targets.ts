import type { EnvironmentConfig } from '@deploydb/core';

/** True when a promotion's url is meant to be joined to the environment's url or hosts. */
export function isRelative(url: string): boolean {
  return url.startsWith('/');
}

/**
 * Joins a relative path to a base URL the way operators read it: `http://h/app` + `/healthcheck`
 * is `http://h/app/healthcheck` (the base's path is kept, never doubled slashes). A host given
 * without a scheme (`prod-1:8080`) is taken as plain HTTP.
 */
export function joinUrl(base: string, path: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(base) ? base : `http://${base}`;
  return withScheme.replace(/\/+$/, '') + path;
}

/** Where a promotion's probes go in one environment, or why it cannot be probed there. */
export type ProbeTargets = { ok: true; urls: string[] } | { ok: false; error: string };

/**
 * The URLs to probe for `url` in `environment`: an absolute url as is; a relative one joined to
 * each of the environment's `hosts` when it lists any (every instance is checked, not just
 * whichever one a load balancer picks), else to its `url`.
 */
export function probeTargets(url: string, environment: Pick<EnvironmentConfig, 'key' | 'url' | 'hosts'>): ProbeTargets {
  if (!isRelative(url)) return { ok: true, urls: [url] };
  const hosts = environment.hosts ?? [];
  if (hosts.length > 0) return { ok: true, urls: hosts.map((host: string) => joinUrl(host, url)) };
  if (environment.url) return { ok: true, urls: [joinUrl(environment.url, url)] };
  return { ok: false, error: relativeUrlError(url, environment.key) };
}

/** The configuration error for a relative url in an environment with neither url nor hosts. */
export function relativeUrlError(url: string, environmentKey: string): string {
  return `relative url "${url}" needs the environment's url or hosts, and environment "${environmentKey}" has neither`;
}
