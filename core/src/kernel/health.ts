import type { HealthCheck } from '../plugin-api/health.js';

export interface HealthReport {
  status: HealthCheck['status'];
  checks: Record<string, HealthCheck>;
  /** Ready to serve: started, not stopping, and nothing down. */
  ready: boolean;
  /** The installation this instance belongs to, when known. */
  installationId?: string;
}

/** A named check; a check that throws or takes over `timeoutMs` is down. */
export type HealthProbe = () => Promise<HealthCheck>;

/** Runs every probe at once and combines them: any down → down, any degraded → degraded. */
export async function checkHealth(probes: Record<string, HealthProbe>, accepting: boolean, timeoutMs = 2000): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]): Promise<[string, HealthCheck]> => {
      try {
        const check = await Promise.race([
          probe(),
          new Promise<HealthCheck>((resolve) => setTimeout(() => resolve({ status: 'down', detail: `no answer in ${timeoutMs} ms` }), timeoutMs).unref()),
        ]);
        return [name, check];
      } catch (error) {
        return [name, { status: 'down', detail: (error as Error).message }];
      }
    }),
  );
  const checks = Object.fromEntries(entries);
  if (!accepting) checks.kernel = { status: 'down', detail: 'starting or stopping' };
  const statuses = Object.values(checks).map((c) => c.status);
  const status = statuses.includes('down') ? 'down' : statuses.includes('degraded') ? 'degraded' : 'ok';
  return { status, checks, ready: status !== 'down' };
}
