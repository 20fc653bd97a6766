import type { ModelIndex } from '../config/modelIndex.js';
import type { PromotionPluginInstance } from '../plugin-api/promotion.js';

/** What the domain needs from the kernel, as interfaces. */

/** The loaded promotion plugins, by promotion type. */
export interface PromotionPlugins {
  instance(type: string): PromotionPluginInstance<unknown> | undefined;
  /** Every promotion type a loaded plugin provides. */
  types(): string[];
}

/** The configuration new flows start with. */
export interface CurrentModel {
  snapshotId: number;
  index: ModelIndex;
}

/** Told after a commit that made work for background workers. */
export interface WorkSignals {
  promotionsDue(): void;
  eventsStored(): void;
}
