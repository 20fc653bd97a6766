import { promotionPluginContract } from '@deploydb/core/testing';
import jenkins from '../src/index.js';

promotionPluginContract('JenkinsPromotion', {
  plugin: jenkins,
  config: { baseUrl: 'http://127.0.0.1:9', pollInterval: 1, timeout: 1 },
  validSettings: [{ jobs: ['smoke'] }, { jobs: ['a', 'b'], mode: 'report', parameters: { REGION: 'eu' } }],
  invalidSettings: [{ jobs: [] }, { jobs: ['a'], mode: 'poll' }, {}],
  scenarios: [{ name: 'report mode waits for a callback', settings: { jobs: ['smoke'], mode: 'report' }, expect: 'PENDING' }],
});
