import Type, { type Static } from 'typebox';
import { literalUnion } from './shapes.js';
import { REPORTED_STATUSES } from './deploymentMachine.js';

/** What callers send to the ledger's commands; HTTP and triggers validate with these same schemas. */

export const ArtifactInput = Type.Object(
  {
    group: Type.String({ minLength: 1, maxLength: 8192 }),
    name: Type.String({ minLength: 1, maxLength: 8192 }),
    version: Type.String({ minLength: 1, maxLength: 255 }),
    sourceUrl: Type.String({ minLength: 1, maxLength: 8192 }),
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
