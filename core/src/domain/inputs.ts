import Type, { type Static } from 'typebox';
import { DIRECT_DEPLOYMENT_KINDS, literalUnion } from './shapes.js';
import { REPORTED_STATUSES } from './deploymentMachine.js';

/** What callers send to the ledger's commands; HTTP and triggers validate with these same schemas. */

export const ArtifactInput = Type.Object(
  {
    group: Type.String({ minLength: 1, maxLength: 8192 }),
    name: Type.String({ minLength: 1, maxLength: 8192 }),
    version: Type.String({ minLength: 1, maxLength: 255 }),
    sourceUrl: Type.String({ minLength: 1, maxLength: 8192 }),
    revision: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'the source revision, e.g. a commit SHA' })),
    committedAt: Type.Optional(Type.String({ format: 'date-time', description: 'when that revision was committed (ISO-8601)' })),
  },
  { additionalProperties: false, $id: 'ArtifactInput' },
);
export type ArtifactInput = Static<typeof ArtifactInput>;

export const DeploymentReportInput = Type.Object(
  {
    status: literalUnion(REPORTED_STATUSES),
    reason: Type.Optional(Type.String({ maxLength: 8192 })),
  },
  { additionalProperties: false, $id: 'DeploymentReport' },
);
export type DeploymentReportInput = Static<typeof DeploymentReportInput>;

export const PromotionReportInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255, description: 'the promotion key' }),
    status: literalUnion(['SUCCESS', 'FAILED'] as const),
    infoUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
    reason: Type.Optional(Type.String({ maxLength: 8192 })),
  },
  { additionalProperties: false, $id: 'PromotionReport' },
);
export type PromotionReportInput = Static<typeof PromotionReportInput>;

/** An artifact by its coordinates, with the same limits as a registration. */
export const ArtifactCoordinates = Type.Object(
  {
    group: ArtifactInput.properties.group,
    name: ArtifactInput.properties.name,
    version: ArtifactInput.properties.version,
  },
  { additionalProperties: false, $id: 'ArtifactCoordinates' },
);
export type ArtifactCoordinates = Static<typeof ArtifactCoordinates>;

const Key = (description: string) => Type.String({ minLength: 1, maxLength: 255, description });

const directDeploymentFields = {
  service: Key('the service key'),
  environment: Key('the environment key'),
  kind: literalUnion(DIRECT_DEPLOYMENT_KINDS),
  status: Type.Optional(literalUnion(['CREATED', 'STARTED', 'COMPLETED'] as const)),
  reason: Type.Optional(Type.String({ maxLength: 8192 })),
};

/**
 * A deployment recorded outside any flow (CONTRACT §11): a rollback, a hotfix, a deploy by hand.
 * The artifact by its coordinates or by its id; the status defaults to CREATED.
 */
export const DirectDeploymentInput = Type.Union(
  [
    Type.Object({ ...directDeploymentFields, artifact: ArtifactCoordinates }, { additionalProperties: false }),
    Type.Object({ ...directDeploymentFields, artifactId: Type.Integer({ minimum: 1, maximum: 2147483647 }) }, { additionalProperties: false }),
  ],
  { $id: 'DirectDeployment', description: 'Give the artifact either as `artifact` (group, name, version) or as `artifactId`' },
);
export interface DirectDeploymentInput {
  service: string;
  environment: string;
  artifact?: ArtifactCoordinates;
  artifactId?: number;
  kind: 'rollback' | 'hotfix' | 'manual';
  status?: 'CREATED' | 'STARTED' | 'COMPLETED';
  reason?: string;
}

/** A rollback (CONTRACT §11): to the artifact current before the current one, or to `to`. */
export const RollbackInput = Type.Object(
  {
    to: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647, description: 'the id of an artifact that was current there once' })),
    reason: Type.Optional(Type.String({ maxLength: 8192 })),
  },
  { additionalProperties: false, $id: 'Rollback' },
);
export type RollbackInput = Static<typeof RollbackInput>;
