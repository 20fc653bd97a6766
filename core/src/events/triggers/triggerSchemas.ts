import Type, { type Static, type TSchema } from 'typebox';
import { ArtifactCoordinates, ArtifactInput, DeploymentReportInput, DirectDeploymentInput, PromotionReportInput } from '../../domain/inputs.js';
import { literalUnion } from '../../domain/shapes.js';
import { ErrorObjectSchema } from '../../errorResponse.js';

/**
 * The inbound triggers of CONTRACT.md §6: CloudEvents that make the same reports as the API,
 * addressing deployments by service, environment and artifact instead of by id.
 */

/** The trigger types, as CONTRACT.md §6 and §11 name them. */
export const TRIGGER_TYPES = [
  'deploydb.trigger.artifact.available',
  'deploydb.trigger.deployment.started',
  'deploydb.trigger.deployment.completed',
  'deploydb.trigger.deployment.failed',
  'deploydb.trigger.verification.completed',
  'deploydb.trigger.deployment.recorded',
] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/** What a deployment trigger reports, by type. */
export const DEPLOYMENT_TRIGGER_STATUS = {
  'deploydb.trigger.deployment.started': 'STARTED',
  'deploydb.trigger.deployment.completed': 'COMPLETED',
  'deploydb.trigger.deployment.failed': 'FAILED',
} as const;
export type DeploymentTriggerType = keyof typeof DEPLOYMENT_TRIGGER_STATUS;

/** Events in one request at most; a bigger batch is refused as a whole. */
export const MAX_TRIGGER_BATCH = 1000;

/*
 * `source` and `id` together are the receipt's primary key. PostgreSQL refuses index entries
 * over about 2700 bytes, so the pair is bounded in characters here and in UTF-8 bytes by the
 * parser (multi-byte characters could otherwise get past a character limit).
 */
export const MAX_ID_LENGTH = 256;
export const MAX_SOURCE_LENGTH = 1024;
export const MAX_KEY_BYTES = 2400;

/** The CloudEvent attributes a trigger must (or may) carry besides `type` and `data`; others are allowed and ignored. */
export const TRIGGER_ATTRIBUTES = {
  specversion: Type.Optional(Type.Literal('1.0')),
  id: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH, description: 'with `source`, makes the event idempotent: the same pair twice does the work once' }),
  source: Type.String({ minLength: 1, maxLength: MAX_SOURCE_LENGTH, description: 'who sends it, e.g. a CI job URL' }),
};

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 1024, description });

/** `data` of `deploydb.trigger.artifact.available`: the body of POST /api/artifacts. */
export const ArtifactTriggerData = ArtifactInput;
export type ArtifactTriggerData = Static<typeof ArtifactTriggerData>;

/**
 * `data` of `deploydb.trigger.deployment.started|completed|failed`. The report goes to the
 * newest deployment of `service` in `environment` for `artifact`. `reason` is optional, as in
 * PATCH /api/deployments/{id}, and is kept with the deployment.
 */
export const DeploymentTriggerData = Type.Object(
  {
    service: Name('the service key'),
    environment: Name('the environment key'),
    artifact: ArtifactCoordinates,
    reason: DeploymentReportInput.properties.reason,
  },
  { additionalProperties: false, $id: 'DeploymentTriggerData' },
);
export type DeploymentTriggerData = Static<typeof DeploymentTriggerData>;

/**
 * `data` of `deploydb.trigger.verification.completed`: a promotion result for the newest
 * deployment of `service` in `environment` for `artifact`, as POST /api/deployments/{id}/promotions.
 */
export const VerificationTriggerData = Type.Object(
  {
    service: Name('the service key'),
    environment: Name('the environment key'),
    artifact: ArtifactCoordinates,
    promotion: PromotionReportInput.properties.name,
    status: PromotionReportInput.properties.status,
    infoUrl: PromotionReportInput.properties.infoUrl,
    reason: PromotionReportInput.properties.reason,
  },
  { additionalProperties: false, $id: 'VerificationTriggerData' },
);
export type VerificationTriggerData = Static<typeof VerificationTriggerData>;

/** `data` of `deploydb.trigger.deployment.recorded`: the body of POST /api/deployments (a direct deployment). */
export const RecordedTriggerData = DirectDeploymentInput;
export type RecordedTriggerData = DirectDeploymentInput;

/** The schema of `data`, by trigger type: what the parser checks, and what /asyncapi.json describes. */
export const TRIGGER_DATA_SCHEMAS: Record<TriggerType, TSchema> = {
  'deploydb.trigger.artifact.available': ArtifactTriggerData,
  'deploydb.trigger.deployment.started': DeploymentTriggerData,
  'deploydb.trigger.deployment.completed': DeploymentTriggerData,
  'deploydb.trigger.deployment.failed': DeploymentTriggerData,
  'deploydb.trigger.verification.completed': VerificationTriggerData,
  'deploydb.trigger.deployment.recorded': RecordedTriggerData,
};

interface Envelope<T extends TriggerType, D> {
  id: string;
  source: string;
  type: T;
  data: D;
}

/** A trigger that passed validation. */
export type TriggerEvent =
  | Envelope<'deploydb.trigger.artifact.available', ArtifactTriggerData>
  | Envelope<DeploymentTriggerType, DeploymentTriggerData>
  | Envelope<'deploydb.trigger.verification.completed', VerificationTriggerData>
  | Envelope<'deploydb.trigger.deployment.recorded', RecordedTriggerData>;

/** One event's outcome in the response (OpenAPI). */
export const TriggerResultSchema = Type.Object(
  {
    id: Type.String({ description: "the event's id" }),
    outcome: literalUnion(['applied', 'duplicate', 'rejected'] as const),
    status: Type.Integer({ description: 'the HTTP status the equivalent API call answered; a duplicate repeats the first one' }),
    error: Type.Optional(ErrorObjectSchema),
  },
  { $id: 'TriggerResult' },
);

/** One event's outcome, in the order the events came. */
export interface TriggerResult {
  id: string;
  outcome: 'applied' | 'duplicate' | 'rejected';
  status: number;
  error?: { code: string; message: string; details: Array<{ path: string; message: string }>; [extra: string]: unknown };
}

/** The 202 answer: one result per event, in order. */
export const TriggerResponseSchema = Type.Object({ results: Type.Array(TriggerResultSchema) }, { $id: 'TriggerResponse' });
export interface TriggerResponse {
  results: TriggerResult[];
}
