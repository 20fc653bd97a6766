/** One component's health, as shown under `checks` by `GET /health`. */
export interface HealthCheck {
  status: 'ok' | 'degraded' | 'down';
  /** A short sentence: what is wrong, or, when all is well, what the component uses (a queue's stream). */
  detail?: string;
}
