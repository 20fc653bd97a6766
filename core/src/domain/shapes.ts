import Type, { type Static, type TLiteral, type TUnion } from 'typebox';

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
export const FLOW_STATUSES: readonly FlowStatus[] = ['RUNNING', 'SUCCESS', 'FAILED'];

/** A union of string literals, typed as the union of those strings. */
export const literalUnion = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<TLiteral<T>[]>;

export const ArtifactSchema = Type.Object(
  {
    id: Id,
    group: Type.String(),
    name: Type.String(),
    version: Type.String(),
    sourceUrl: Type.String(),
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
    reason: NullableString,
    actor: NullableString,
    evidence: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
      description: "what the plugin's evaluations found: HTTP statuses, build URLs, per-host outcomes, approvals",
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'PromotionResult' },
);
export type PromotionResult = Omit<Static<typeof PromotionResultSchema>, 'status'> & { status: PromotionStatus };

export const DeploymentSchema = Type.Object(
  {
    id: Id,
    flowId: Id,
    artifact: ArtifactSchema,
    service: Type.String(),
    pipeline: Type.String(),
    environment: Type.String(),
    status: literalUnion(DEPLOYMENT_STATUSES),
    promotions: Type.Array(PromotionResultSchema),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Deployment' },
);
export interface Deployment {
  id: number;
  flowId: number;
  artifact: Artifact;
  service: string;
  pipeline: string;
  environment: string;
  status: DeploymentStatus;
  promotions: PromotionResult[];
  createdAt: string;
  updatedAt: string;
}

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
export interface Flow {
  id: number;
  artifact: Artifact;
  service: string;
  pipeline: string;
  status: FlowStatus;
  deployments: Deployment[];
  createdAt: string;
  updatedAt: string;
}
