import type { ModelIndex } from '../config/modelIndex.js';
import type { PromotionPluginInstance } from '../plugin-api/promotion.js';
import type { ReturnedRows, RowBatch } from '../store/batchInsert.js';
import type { PlacementStore } from '../store/placements.js';
import type { DeploymentState } from './deploymentState.js';
import type { ArtifactCoordinates } from './inputs.js';
import type { ArtifactRow, DeploymentRow, PromotionReportRow, PromotionResultRow } from './rows.js';
import type { Flow, FlowStatus } from './shapes.js';

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

/**
 * What any command may do to the store: take ids, read a configuration snapshot, and write its
 * rows in one statement. A command without a transaction (a registration) gets only this: it
 * cannot read what it would change, so it cannot half-commit.
 */
export interface WriteStore {
  ids<K extends string>(counts: Record<K, number>): Promise<Record<K, number[]>>;
  /** The configuration a flow started with. */
  model(snapshotId: number): Promise<ModelIndex>;
  /** Writes rows of several tables in one statement; answers what their upserts returned. */
  write(batches: readonly RowBatch[]): Promise<ReturnedRows>;
}

/** What a command in a transaction reads and changes, inside that transaction. */
export interface CommandStore extends WriteStore {
  /** A deployment with its artifact and results, its row locked for the transaction; null when there is none. */
  lockDeployment(id: number): Promise<DeploymentState | null>;
  updateDeployment(id: number, changes: Partial<DeploymentRow>): Promise<void>;
  updateResult(id: number, changes: Partial<PromotionResultRow>): Promise<void>;
  /** A deployment's NOT_STARTED results become STARTED, due for evaluation at `now`. */
  startResults(deploymentId: number, now: Date): Promise<void>;
  /** A deployment's results still waiting are no longer evaluated. */
  stopResults(deploymentId: number): Promise<void>;
  /** Sets a flow's final status; answers the flow as it now is. */
  finishFlow(flowId: number, status: Exclude<FlowStatus, 'RUNNING'>, now: Date): Promise<Flow>;
  /** The deployment a promotion result belongs to. */
  deploymentOfResult(resultId: number): Promise<number | null>;
  /** The reports recorded for a result, oldest first. */
  reportsOf(resultId: number): Promise<PromotionReportRow[]>;
  artifact(id: number): Promise<ArtifactRow | null>;
  artifactAt(coordinates: ArtifactCoordinates): Promise<ArtifactRow | null>;
  /** What runs where (store/placements.ts), changed in this transaction. */
  readonly placements: PlacementStore;
}

/** Where commands run: in a transaction of their own, or (registrations) as one write. */
export interface CommandStorage {
  transaction<T>(work: (store: CommandStore) => Promise<T>): Promise<T>;
  /** The store of commands without a transaction: their writes are joined when they arrive together. */
  readonly outside: WriteStore;
  /** An artifact by its coordinates, outside any command. */
  artifactAt(coordinates: ArtifactCoordinates): Promise<ArtifactRow | null>;
}
