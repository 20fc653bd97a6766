/** Deployment events as DeployDB emits them (CONTRACT §5), for the handler tests. */
import type { CloudEvent, Deployment } from '@deploydb/core';

let counter = 0;

export function deploymentEvent(type: CloudEvent['type'], overrides: Partial<Deployment> = {}): CloudEvent<Deployment> {
  counter += 1;
  const at = '2026-03-02T08:00:00.000Z';
  const data: Deployment = {
    id: 40 + counter,
    flowId: 3,
    artifact: { id: 5, group: 'com.acme', name: 'web', version: '1.4.2', sourceUrl: 'https://ci.acme.test/web/1.4.2', revision: null, committedAt: null, createdAt: at },
    service: 'web',
    pipeline: 'main',
    environment: 'prod',
    status: type === 'deploydb.deployment.failed' ? 'FAILED' : 'COMPLETED',
    kind: 'flow',
    reason: null,
    promotions: [],
    statusAt: at,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
  return { specversion: '1.0', id: `0190f0e0-0000-7000-8000-${String(counter).padStart(12, '0')}`, source: 'deploydb', type, time: at, subject: `deployments/${data.id}`, datacontenttype: 'application/json', data };
}
