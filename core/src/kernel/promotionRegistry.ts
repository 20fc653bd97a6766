import type { PromotionPlugins } from '../domain/ports.js';
import type { PromotionPluginInstance } from '../plugin-api/promotion.js';
import { DeployDbError } from '../errors.js';

/** The created promotion plugin instances, by the promotion type each provides. */
export class PromotionRegistry implements PromotionPlugins {
  private readonly byType = new Map<string, PromotionPluginInstance<unknown>>();

  add(type: string, instance: PromotionPluginInstance<unknown>): void {
    if (this.byType.has(type)) throw new DeployDbError('config_invalid', `two plugins provide the promotion type "${type}"`);
    this.byType.set(type, instance);
  }

  instance(type: string): PromotionPluginInstance<unknown> | undefined {
    return this.byType.get(type);
  }

  types(): string[] {
    return [...this.byType.keys()];
  }
}
