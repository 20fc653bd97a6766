import Type, { type Static } from 'typebox';

/**
 * The shapes of CONTRACT.md §4, once. HTTP responses, event data and OpenAPI all come from here.
 */

const Timestamp = Type.String({ format: 'date-time', description: 'ISO-8601 UTC' });
const Id = Type.Integer({ minimum: 1 });
const NullableString = Type.Union([Type.String(), Type.Null()]);

export type DeploymentStatus = 'CREATED' | 'STARTED' | 'COMPLETED' | 'VERIFIED' | 'FAILED';
export const DEPLOYMENT_STATUSES: readonly DeploymentStatus[] = ['CREATED', 'STARTED', 'COMPLETED', 'VERIFIED', 'FAILED'];

export type PromotionStatus = 'NOT_STARTED' | 'STARTED' | 'SUCCESS' | 'FAILED';
export const PROMOTION_STATUSES: readonly PromotionStatus[] = ['NOT_STARTED', 'STARTED', 'SUCCESS', 'FAILED'];

export type FlowStatus = 'RUNNING' | 'SUCCESS' | 'FAILED';

/** How a deployment came to be: a flow made it, or it was recorded directly (CONTRACT §11). */
export type DeploymentKind = 'flow' | DirectDeploymentKind;
export type DirectDeploymentKind = 'rollback' | 'hotfix' | 'manual';
export const DIRECT_DEPLOYMENT_KINDS: readonly DirectDeploymentKind[] = ['rollback', 'hotfix', 'manual'];
export const DEPLOYMENT_KINDS: readonly DeploymentKind[] = ['flow', ...DIRECT_DEPLOYMENT_KINDS];
export const FLOW_STATUSES: readonly FlowStatus[] = ['RUNNING', 'SUCCESS', 'FAILED'];

/** A union of string literals, typed as the union of those strings. */
export const literalUnion = <T extends string>(values: readonly T[]) => Type.Unsafe<T>(Type.Union(values.map((v) => Type.Literal(v))));

export const ArtifactSchema = Type.Object(
  {
    id: Id,
    group: Type.String(),
    name: Type.String(),
    version: Type.String(),
    sourceUrl: Type.String(),
    revision: Type.Union([Type.String(), Type.Null()], { description: 'the source revision, e.g. a commit SHA' }),
    committedAt: Type.Union([Timestamp, Type.Null()], { description: 'when that revision was committed' }),
    createdAt: Timestamp,
  },
  { $id: 'Artifact' },
);
export type Artifact = Static<typeof ArtifactSchema>;

export const PromotionResultSchema = Type.Object(
  {
    id: Id,
    promotion: Type.String({ description: 'the promotion key' }),
    type: Type.String(),
    status: literalUnion(PROMOTION_STATUSES),
    infoUrl: NullableString,
    reason: Type.Union([Type.String(), Type.Null()], {
      description: 'why it failed or passed; while STARTED, what the promotion is waiting for (e.g. "waiting until 08:00"), when its plugin said',
    }),
    actor: NullableString,
    nextEvaluationAt: Type.Union([Timestamp, Type.Null()], {
      description: 'while STARTED, when the kernel will ask the plugin again; null when settled, or when it waits for a report',
    }),
    evidence: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
      description: "what the plugin's evaluations found: HTTP statuses, build URLs, per-host outcomes, approvals",
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'PromotionResult' },
);
export type PromotionResult = Static<typeof PromotionResultSchema>;

export const DeploymentSchema = Type.Object(
  {
    id: Id,
    flowId: Type.Union([Id, Type.Null()], { description: 'null for a direct deployment' }),
    artifact: ArtifactSchema,
    service: Type.String(),
    pipeline: Type.Union([Type.String(), Type.Null()], { description: 'null for a direct deployment' }),
    environment: Type.String(),
    status: literalUnion(DEPLOYMENT_STATUSES),
    kind: literalUnion(DEPLOYMENT_KINDS),
    reason: Type.Union([Type.String(), Type.Null()], { description: 'the last reason reported for it' }),
    promotions: Type.Array(PromotionResultSchema),
    statusAt: Type.String({ format: 'date-time', description: 'when it reached its status' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Deployment' },
);
export type Deployment = Static<typeof DeploymentSchema>;

/** The data of `deploydb.promotion.completed`: the deployment as it was then, and the settled result. */
export const PromotionCompletedSchema = Type.Object(
  { deployment: DeploymentSchema, promotionResult: PromotionResultSchema },
  { $id: 'PromotionCompleted', additionalProperties: false },
);

export const FlowSchema = Type.Object(
  {
    id: Id,
    artifact: ArtifactSchema,
    service: Type.String(),
    pipeline: Type.String(),
    status: literalUnion(FLOW_STATUSES),
    deployments: Type.Array(DeploymentSchema),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Flow' },
);
export type Flow = Static<typeof FlowSchema>;
