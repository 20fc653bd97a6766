import { promotionPluginContract } from '@deploydb/core/testing';
import soakTime from '../src/index.js';

promotionPluginContract('SoakTime', {
  plugin: soakTime,
  validSettings: [{ seconds: 1 }, { seconds: 3600 }],
  invalidSettings: [{ seconds: 0 }, { seconds: 1.5 }, {}],
  // The ledger it depends on: nothing current yet, so nothing replaced the deployment.
  deps: { ledger: { serviceAcross: async () => [] } },
  scenarios: [{ name: 'a deployment that just completed soaks', settings: { seconds: 600 }, expect: 'PENDING' }],
});
