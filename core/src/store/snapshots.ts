import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FlowModel } from '../config/model.js';
import { ModelIndex } from '../config/modelIndex.js';
import { ConfigSnapshotEntity } from './entities.js';

/**
 * Configuration snapshots: every flow keeps the model it started with, stored once per
 * distinct model (by hash), so a reload never changes a flow that has started.
 */
export class ConfigSnapshots {
  private readonly cache = new Map<number, ModelIndex>();

  /** Stores the model (once per distinct content) and returns its snapshot id. */
  async save(em: EntityManager, model: FlowModel): Promise<number> {
    const json = JSON.stringify(model);
    const hash = createHash('sha256').update(json).digest('hex');
    const rows = await em.execute<{ id: number }[]>(
      `insert into config_snapshot (hash, model, created_at) values (?, ?, now())
       on conflict (hash) do update set hash = excluded.hash returning id`,
      [hash, json],
    );
    const id = rows[0]!.id;
    if (!this.cache.has(id)) this.cache.set(id, new ModelIndex(model));
    return id;
  }

  /** The model a flow started with; `em` (a function, so that none is made for a cached model) reads it once. */
  async get(em: EntityManager | (() => EntityManager), id: number): Promise<ModelIndex> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const row = await (typeof em === 'function' ? em() : em).findOneOrFail(ConfigSnapshotEntity, id, { disableIdentityMap: true });
    const index = new ModelIndex(row.model);
    this.cache.set(id, index);
    return index;
  }
}
