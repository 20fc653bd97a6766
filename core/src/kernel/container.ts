import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer, type InjectionToken } from 'tsyringe';
import type { DeployDbConfig } from '../config/model.js';
import type { Clock } from '../plugin-api/clock.js';
import type { Logger } from '../plugin-api/logger.js';
import type { Database } from '../store/database.js';
import type { ConfigSnapshots } from '../store/snapshots.js';
import type { PromotionRegistry } from './promotionRegistry.js';

/**
 * The kernel's dependency container. Plugins never see it: they get typed dependencies in
 * `create(context)`. Each kernel has a child container, so several kernels (tests, the
 * harness) can live in one process.
 */
export const tokens = {
  config: Symbol('config') as InjectionToken<() => DeployDbConfig>,
  logger: Symbol('logger') as InjectionToken<Logger>,
  clock: Symbol('clock') as InjectionToken<Clock>,
  database: Symbol('database') as InjectionToken<Database>,
  snapshots: Symbol('snapshots') as InjectionToken<ConfigSnapshots>,
  promotions: Symbol('promotions') as InjectionToken<PromotionRegistry>,
};

export function createKernelContainer(): DependencyContainer {
  return rootContainer.createChildContainer();
}
