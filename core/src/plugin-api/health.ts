/** One component's health, as shown under `checks` by `GET /health`. */
export interface HealthCheck {
  status: 'ok' | 'degraded' | 'down';
  /** A short sentence when the status is not ok. */
  detail?: string;
}
