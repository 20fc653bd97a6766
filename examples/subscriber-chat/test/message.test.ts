import { describe, expect, it } from 'vitest';
import { messageFor } from '../src/message.js';
import { deploymentEvent } from './events.js';

describe('messageFor', () => {
  it('announces a completed deployment with its service, module, version and environment', () => {
    expect(messageFor(deploymentEvent('deploydb.deployment.completed'))).toEqual({ text: ':white_check_mark: web: com.acme:web 1.4.2 deployed to prod' });
  });

  it('announces a failure with its reason, and says when it was not a flow', () => {
    const event = deploymentEvent('deploydb.deployment.failed', { reason: 'promotion smoke failed: 3 of 40 checks', kind: 'hotfix' });
    expect(messageFor(event)).toEqual({ text: ':x: web: com.acme:web 1.4.2 failed in prod (hotfix): promotion smoke failed: 3 of 40 checks' });
  });

  it('announces nothing else', () => {
    for (const type of ['deploydb.deployment.created', 'deploydb.deployment.started', 'deploydb.deployment.verified'] as const) {
      expect(messageFor(deploymentEvent(type)), type).toBeNull();
    }
  });
});
