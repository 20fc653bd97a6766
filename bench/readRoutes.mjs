import { ENVIRONMENTS, SERVICES } from './seed/model.mjs';

/**
 * The read routes measured: the request both servers get, and the floor's statement with the
 * values it runs for that request (what pgbench runs too). `?at=` asks for a moment halfway
 * through the seeded history.
 */
export function readRoutes(plan) {
  const at = plan.midway.toISOString();
  return {
    currentInEnvironment: { path: '/api/environments/prod/services', statement: 'currentInEnvironment', values: ['prod', SERVICES] },
    currentInEnvironmentAt: { path: `/api/environments/prod/services?at=${at}`, statement: 'currentInEnvironmentAt', values: ['prod', SERVICES, at] },
    serviceAcrossEnvironments: { path: '/api/services/billing/environments', statement: 'serviceAcrossEnvironments', values: ['billing', ENVIRONMENTS] },
    serviceAcrossEnvironmentsAt: {
      path: `/api/services/billing/environments?at=${at}`,
      statement: 'serviceAcrossEnvironmentsAt',
      values: ['billing', ENVIRONMENTS, at],
    },
    history: { path: '/api/services/billing/environments/prod/history', statement: 'history', values: ['billing', 'prod', 50] },
    diff: { path: '/api/environments/preprod/diff/prod', statement: 'diff', values: ['preprod', 'prod', SERVICES] },
    diffAt: { path: `/api/environments/preprod/diff/prod?at=${at}`, statement: 'diffAt', values: ['preprod', 'prod', SERVICES, at] },
  };
}

export const READ_ROUTE_NAMES = Object.keys(readRoutes({ midway: new Date(0) }));
