import { Type, type Static } from '@deploydb/core';

/** Settings of a `type: manual` promotion. */
export const ManualSettings = Type.Object(
  {
    approvers: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        uniqueItems: true,
        description: 'token names allowed to approve; omitted: anyone with role approver',
      }),
    ),
    required: Type.Integer({ minimum: 1, default: 1, description: 'approvals from distinct approvers needed' }),
  },
  { additionalProperties: false },
);
export type ManualSettings = Static<typeof ManualSettings>;
