import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ModelIndex } from '../config/modelIndex.js';
import type { DeploymentState } from '../domain/deploymentState.js';
import type { ArtifactCoordinates } from '../domain/inputs.js';
import type { CommandStorage, CommandStore, WriteStore } from '../domain/ports.js';
import type { ArtifactRow, DeploymentRow, PromotionReportRow, PromotionResultRow } from '../domain/rows.js';
import type { Flow, FlowStatus } from '../domain/shapes.js';
import { insertBatches, type ReturnedRows, type RowBatch, type SqlRunner } from './batchInsert.js';
import type { Database } from './database.js';
import { ArtifactEntity, DeploymentEntity, FlowEntity, PromotionReportEntity, PromotionResultEntity } from './entities.js';
import { IdBlocks } from './idBlocks.js';
import { InsertGroups } from './insertGroups.js';
import { byDigest } from './ledgerReads.js';
import { PlacementStore } from './placements.js';
import type { ConfigSnapshots } from './snapshots.js';
import { flowViews } from './viewReads.js';

const plain = { disableIdentityMap: true } as const;

/**
 * Where the ledger's commands run (domain/ports.ts): a transaction of their own with a store over
 * its EntityManager, or, for registrations, ids from memory and one statement joined with the
 * writes arriving together (store/insertGroups.ts). MikroORM stays on this side.
 */
export class LedgerStorage implements CommandStorage {
  private readonly ids = new IdBlocks();
  private readonly groups: InsertGroups;
  readonly outside: WriteStore;

  constructor(
    private readonly db: Database,
    private readonly snapshots: ConfigSnapshots,
  ) {
    this.groups = new InsertGroups(db.sql, db.orm.getMetadata());
    let em: EntityManager | null = null;
    this.outside = {
      ids: (counts) => this.ids.take(db.sql, counts),
      // A snapshot not cached yet is read once, on an EntityManager made only then.
      model: (snapshotId) => snapshots.get(() => (em ??= db.em()), snapshotId),
      write: (batches) => this.groups.write(batches),
    };
  }

  transaction<T>(work: (store: CommandStore) => Promise<T>): Promise<T> {
    return this.db.em().transactional((em) => work(new TransactionStore(em, this.ids, this.snapshots)));
  }

  artifactAt(coordinates: ArtifactCoordinates): Promise<ArtifactRow | null> {
    return findArtifactAt(this.db.em(), coordinates);
  }
}

/** A command's store inside its transaction: every statement on the transaction's connection. */
class TransactionStore implements CommandStore {
  readonly placements: PlacementStore;
  private readonly sql: SqlRunner;

  constructor(
    private readonly em: EntityManager,
    private readonly idBlocks: IdBlocks,
    private readonly snapshots: ConfigSnapshots,
  ) {
    this.sql = (statement, params) => em.execute(statement, params as never[]);
    this.placements = new PlacementStore(this.sql);
  }

  ids<K extends string>(counts: Record<K, number>): Promise<Record<K, number[]>> {
    // On the transaction's connection: on the single-connection embedded database another one would wait for it.
    return this.idBlocks.take(this.sql, counts);
  }

  model(snapshotId: number): Promise<ModelIndex> {
    return this.snapshots.get(this.em, snapshotId);
  }

  write(batches: readonly RowBatch[]): Promise<ReturnedRows> {
    return insertBatches(this.sql, this.em.getMetadata(), batches);
  }

  async lockDeployment(id: number): Promise<DeploymentState | null> {
    const row = await this.em.findOne(DeploymentEntity, id, { ...plain, lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!row) return null;
    const [artifact, results] = await Promise.all([
      this.em.findOneOrFail(ArtifactEntity, row.artifactId, plain),
      this.em.find(PromotionResultEntity, { deploymentId: id }, { ...plain, orderBy: { position: 'asc' } }),
    ]);
    return { row, artifact, results };
  }

  async updateDeployment(id: number, changes: Partial<DeploymentRow>): Promise<void> {
    await this.em.nativeUpdate(DeploymentEntity, { id }, changes);
  }

  async updateResult(id: number, changes: Partial<PromotionResultRow>): Promise<void> {
    await this.em.nativeUpdate(PromotionResultEntity, { id }, changes);
  }

  async startResults(deploymentId: number, now: Date): Promise<void> {
    await this.em.nativeUpdate(PromotionResultEntity, { deploymentId, status: 'NOT_STARTED' }, { status: 'STARTED', nextCheckAt: now, updatedAt: now });
  }

  async stopResults(deploymentId: number): Promise<void> {
    await this.em.nativeUpdate(PromotionResultEntity, { deploymentId, nextCheckAt: { $ne: null } }, { nextCheckAt: null });
  }

  async finishFlow(flowId: number, status: Exclude<FlowStatus, 'RUNNING'>, now: Date): Promise<Flow> {
    await this.em.nativeUpdate(FlowEntity, { id: flowId }, { status, updatedAt: now });
    const flow = await this.em.findOneOrFail(FlowEntity, flowId, plain);
    return (await flowViews(this.em, [flow]))[0]!;
  }

  async deploymentOfResult(resultId: number): Promise<number | null> {
    const owner = await this.em.findOne(PromotionResultEntity, resultId, { ...plain, fields: ['deploymentId'] });
    return owner?.deploymentId ?? null;
  }

  reportsOf(resultId: number): Promise<PromotionReportRow[]> {
    return this.em.find(PromotionReportEntity, { resultId }, { ...plain, orderBy: { id: 'asc' } });
  }

  artifact(id: number): Promise<ArtifactRow | null> {
    return this.em.findOne(ArtifactEntity, id, plain);
  }

  artifactAt(coordinates: ArtifactCoordinates): Promise<ArtifactRow | null> {
    return findArtifactAt(this.em, coordinates);
  }
}

/** An artifact by group, name and version, through the digest index (see the artifact migration). */
function findArtifactAt(em: EntityManager, { group, name, version }: ArtifactCoordinates): Promise<ArtifactRow | null> {
  return em.findOne(
    ArtifactEntity,
    { ...byDigest('artifact_group', group), ...byDigest('name', name), ...byDigest('version', version), group, name, version },
    plain,
  );
}

/**
 * What the promotion worker hands a plugin about one result, read outside any command: the
 * deployment (unlocked) with its artifact and results, the flow's configuration, the result's
 * reports. Null when the deployment or the result is gone.
 */
export async function readEvaluation(
  db: Database,
  snapshots: ConfigSnapshots,
  deploymentId: number,
  resultId: number,
): Promise<{ state: DeploymentState; result: PromotionResultRow; model: ModelIndex; reports: PromotionReportRow[] } | null> {
  const em = db.em();
  const row = await em.findOne(DeploymentEntity, deploymentId, plain);
  if (!row) return null;
  const results = await em.find(PromotionResultEntity, { deploymentId }, { ...plain, orderBy: { position: 'asc' } });
  const result = results.find((r) => r.id === resultId);
  if (!result) return null;
  const [artifact, model, reports] = await Promise.all([
    em.findOneOrFail(ArtifactEntity, row.artifactId, plain),
    snapshots.get(em, row.snapshotId),
    em.find(PromotionReportEntity, { resultId }, { ...plain, orderBy: { id: 'asc' } }),
  ]);
  return { state: { row, artifact, results }, result, model, reports };
}
