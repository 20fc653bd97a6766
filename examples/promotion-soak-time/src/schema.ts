import { Type, type Static } from '@deploydb/core';

/** Settings of a `type: SoakTime` promotion in deploydb.yaml. */
export const settingsSchema = Type.Object(
  {
    seconds: Type.Integer({ minimum: 1, description: 'how long the deployment must run, counted from when it became COMPLETED' }),
  },
  { additionalProperties: false },
);
export type SoakSettings = Static<typeof settingsSchema>;

/** The plugin's `config:` under `plugins:`: nothing to set (it reads the ledger it runs in). */
export const configSchema = Type.Object({}, { additionalProperties: false });
