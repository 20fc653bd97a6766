import { describe, expect, it } from 'vitest';
import { isDeployDbError } from '../../errors.js';
import { parseTriggerEvents } from './parseTriggers.js';
import { MAX_TRIGGER_BATCH, TRIGGER_TYPES } from './triggerSchemas.js';

const artifact = { group: 'com.acme', name: 'foas', version: '1.4.2' };
const where = { service: 'faas', environment: 'dev', artifact };
const event = (type: string, data: unknown, extra: Record<string, unknown> = {}) => ({ specversion: '1.0', id: 'e-1', source: '/ci', type, data, ...extra });

/** The details of the validation_failed that parsing throws. */
function problems(events: unknown[]): Array<{ path: string; message: string }> {
  try {
    parseTriggerEvents(events);
  } catch (error) {
    if (isDeployDbError(error) && error.code === 'validation_failed') return error.details;
    throw error;
  }
  throw new Error('expected the events to be refused');
}
const paths = (events: unknown[]) => problems(events).map((p) => p.path);

describe('parseTriggerEvents', () => {
  it('types each of the six trigger types, ignoring other CloudEvent attributes', () => {
    const parsed = parseTriggerEvents([
      event('deploydb.trigger.artifact.available', { ...artifact, sourceUrl: 'https://ci/1' }, { time: '2024-01-01T00:00:00Z', subject: 'x', traceparent: 'y' }),
      event('deploydb.trigger.deployment.started', where),
      event('deploydb.trigger.deployment.completed', where),
      event('deploydb.trigger.deployment.failed', { ...where, reason: 'disk full' }),
      event('deploydb.trigger.verification.completed', { ...where, promotion: 'smoke', status: 'FAILED', infoUrl: 'https://ci/2', reason: 'red' }),
      event('deploydb.trigger.deployment.recorded', { service: where.service, environment: where.environment, artifactId: 3, kind: 'hotfix', status: 'COMPLETED' }),
    ]);
    expect(parsed.map((e) => e.type)).toEqual(TRIGGER_TYPES);
    expect(parsed[5]!.data).toEqual({ service: where.service, environment: where.environment, artifactId: 3, kind: 'hotfix', status: 'COMPLETED' });
    expect(parsed[0]).toEqual({ id: 'e-1', source: '/ci', type: TRIGGER_TYPES[0], data: { ...artifact, sourceUrl: 'https://ci/1' } });
    expect(parsed[3]!.data).toEqual({ ...where, reason: 'disk full' });
  });

  it('takes an event without specversion, and an empty batch', () => {
    const { specversion: _s, ...bare } = event('deploydb.trigger.deployment.started', where);
    expect(parseTriggerEvents([bare])).toHaveLength(1);
    expect(parseTriggerEvents([])).toEqual([]);
  });

  it('names every problem of every event by its place in the batch', () => {
    const details = problems([
      event('deploydb.trigger.deployment.started', where),
      { source: '/ci', type: 'deploydb.trigger.deployment.started', data: where },
      event('deploydb.trigger.artifact.available', { ...artifact }),
      event('deploydb.trigger.nothing', where),
      'not an event',
    ]);
    expect(details.map((d) => d.path)).toEqual(['/1/id', '/2/data/sourceUrl', '/3/type', '/4']);
    expect(details[2]!.message).toMatch(/unknown trigger type "deploydb.trigger.nothing"; one of deploydb.trigger.artifact.available/);
  });

  it('checks the attributes: id, source, type, specversion, data', () => {
    expect(paths([{ specversion: '1.0' }])).toEqual(expect.arrayContaining(['/0/id', '/0/source', '/0/type', '/0/data']));
    expect(paths([event('deploydb.trigger.deployment.started', where, { id: '' })])).toEqual(['/0/id']);
    expect(paths([event('deploydb.trigger.deployment.started', where, { id: 7 })])).toEqual(['/0/id']);
    expect(paths([event('deploydb.trigger.deployment.started', where, { source: null })])).toEqual(['/0/source']);
    expect(paths([event('deploydb.trigger.deployment.started', where, { specversion: '0.3' })])).toEqual(['/0/specversion']);
    expect(paths([event('deploydb.trigger.deployment.started', null)])).toEqual(['/0/data']);
    expect(paths([event('deploydb.trigger.deployment.started', where, { id: 'x'.repeat(257) })])).toEqual(['/0/id']);
    expect(paths([event('deploydb.trigger.deployment.started', where, { id: '\u00e9'.repeat(256), source: '\u{1F600}'.repeat(600) })])).toEqual(['/0/source']);
  });

  it('checks data against the schema of its type, unknown keys included', () => {
    const started = 'deploydb.trigger.deployment.started';
    expect(paths([event(started, { ...where, status: 'COMPLETED' })])).toEqual(['/0/data/status']);
    expect(paths([event(started, { ...where, artifact: { group: 'g', name: 'n' } })])).toEqual(['/0/data/artifact/version']);
    expect(paths([event(started, { ...where, environment: '' })])).toEqual(['/0/data/environment']);
    const verification = 'deploydb.trigger.verification.completed';
    expect(paths([event(verification, { ...where, promotion: 'smoke', status: 'MAYBE' })])).toEqual(['/0/data/status']);
    expect(paths([event(verification, { ...where, status: 'SUCCESS' })])).toEqual(['/0/data/promotion']);
    expect(paths([event('deploydb.trigger.artifact.available', { ...artifact, version: 'v'.repeat(256), sourceUrl: 's' })])).toEqual(['/0/data/version']);
  });

  it('refuses what the store could not hold or the checks could not walk', () => {
    expect(paths([event('deploydb.trigger.deployment.started', { ...where, service: 'fa\u0000as' })])).toEqual(['/0/data/service']);
    expect(paths([event('deploydb.trigger.deployment.started', where, { id: 'a\u0000b' })])).toEqual(['/0/id']);
    expect(paths([event('deploydb.trigger.deployment.started', { ...where, environment: 'dev\ud800' })])).toEqual(['/0/data/environment']);
    expect(paths([event('deploydb.trigger.deployment.started', where, { source: '\udc00/ci' })])).toEqual(['/0/source']);
    expect(parseTriggerEvents([event('deploydb.trigger.deployment.started', { ...where, environment: 'dev-\u{1F680}' })])).toHaveLength(1);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    // The path names the first level too deep (data itself is level 0).
    expect(paths([event('deploydb.trigger.deployment.started', deep)])).toEqual([`/0/data${'/0'.repeat(8)}`]);
    // Extension attributes are not read, however deep.
    expect(parseTriggerEvents([event('deploydb.trigger.deployment.started', where, { extension: deep })])).toHaveLength(1);
  });

  it(`refuses a batch of more than ${MAX_TRIGGER_BATCH} events`, () => {
    const events = Array.from({ length: MAX_TRIGGER_BATCH + 1 }, () => event('deploydb.trigger.deployment.started', where));
    expect(paths(events)).toEqual(['']);
    expect(parseTriggerEvents(events.slice(1))).toHaveLength(MAX_TRIGGER_BATCH);
  });

  it('lists at most 100 problems and says how many more there are', () => {
    const events = Array.from({ length: 150 }, () => ({ type: 'deploydb.trigger.deployment.started', data: where }));
    try {
      parseTriggerEvents(events);
      expect.unreachable();
    } catch (error) {
      expect((error as { details: unknown[] }).details).toHaveLength(100);
      expect((error as Error).message).toMatch(/150 of 150 trigger events are invalid; nothing was applied \(200 more problems not listed\)/);
    }
  });
});
