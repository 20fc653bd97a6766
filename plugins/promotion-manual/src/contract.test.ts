import { promotionPluginContract } from '@deploydb/core/testing';
import manual from './index.js';

promotionPluginContract('manual', {
  plugin: manual,
  validSettings: [{ required: 1 }, { approvers: ['alice', 'bob'], required: 2 }],
  invalidSettings: [{ required: 0 }, { approvers: [] }, { approvers: 'alice' }],
  scenarios: [{ name: 'waits for approvals', settings: { required: 1 }, expect: 'PENDING' }],
});
