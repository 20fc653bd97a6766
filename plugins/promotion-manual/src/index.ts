import { definePlugin } from '@deploydb/core';
import { ManualSettings } from './settings.js';
import { decide, mayApprove, waitForApprovals } from './approvals.js';

export { ManualSettings } from './settings.js';

/**
 * `type: manual`: people approve or reject a deployment's promotion over the API
 * (`POST /api/deployments/{id}/promotions`); nothing is evaluated meanwhile.
 */
export default definePlugin({
  id: '@deploydb/promotion-manual',
  kind: 'promotion',
  type: 'manual',
  settingsSchema: ManualSettings,
  create: () => ({
    evaluate: waitForApprovals,
    reporting: {
      mayReport: mayApprove,
      accept: decide,
    },
  }),
});
