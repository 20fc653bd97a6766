import { describe, expect, it } from 'vitest';
import { isDeployDbError } from '../errors.js';
import { silentLogger } from '../testing/silentLogger.js';
import { Lifecycle, startOrder, type LifecyclePart } from './lifecycle.js';

function recorder() {
  const events: string[] = [];
  const part = (name: string, dependsOn: string[] = [], failOnStart = false): LifecyclePart => ({
    name,
    dependsOn,
    start: async () => {
      if (failOnStart) throw new Error(`${name} cannot start`);
      events.push(`start ${name}`);
    },
    stop: async () => void events.push(`stop ${name}`),
  });
  return { events, part };
}

describe('the lifecycle of parts', () => {
  it('starts each part after what it depends on, otherwise in the order declared', () => {
    const { part } = recorder();
    const order = startOrder([part('http', ['worker']), part('db'), part('worker', ['db', 'queue']), part('queue', ['db'])]);
    expect(order.map((p) => p.name)).toEqual(['db', 'queue', 'worker', 'http']);
  });

  it('stops in exact reverse of start', async () => {
    const { events, part } = recorder();
    const lifecycle = await Lifecycle.start([part('b', ['a']), part('a'), part('c', ['a'])], silentLogger);
    await lifecycle.stop();
    expect(events).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });

  it('on a failed start stops what started, in reverse, and throws the failure', async () => {
    const { events, part } = recorder();
    await expect(Lifecycle.start([part('a'), part('b', ['a']), part('c', ['b'], true), part('d', ['c'])], silentLogger)).rejects.toThrow('c cannot start');
    expect(events).toEqual(['start a', 'start b', 'stop b', 'stop a']);
  });

  it('keeps stopping the others when one stop throws, and stops once', async () => {
    const { events, part } = recorder();
    const broken = { ...part('b', ['a']), stop: async () => Promise.reject(new Error('stuck')) };
    const lifecycle = await Lifecycle.start([part('a'), broken, part('c', ['b'])], silentLogger);
    await Promise.all([lifecycle.stop(), lifecycle.stop()]);
    expect(events.filter((e) => e.startsWith('stop'))).toEqual(['stop c', 'stop a']);
  });

  it('refuses a missing dependency, naming who needs what', () => {
    const { part } = recorder();
    const attempt = () => startOrder([part('a'), part('b', ['nowhere'])], { noun: 'plugin' });
    expect(attempt).toThrow('missing dependency: "b" needs "nowhere", which no plugin provides');
    try {
      attempt();
    } catch (error) {
      expect(isDeployDbError(error)).toBe(true);
    }
  });

  it('refuses a cycle, naming the parts in it', () => {
    const { part } = recorder();
    expect(() => startOrder([part('a', ['c']), part('b', ['a']), part('c', ['b']), part('d')], { noun: 'plugin' })).toThrow(
      'circular dependency between plugins: "a" → "c" → "b" → "a"',
    );
  });

  it('starts more parts later, after those they depend on', async () => {
    const { events, part } = recorder();
    const lifecycle = await Lifecycle.start([part('db')], silentLogger);
    await lifecycle.add([part('plugin', ['db'])]);
    await lifecycle.stop();
    expect(events).toEqual(['start db', 'start plugin', 'stop plugin', 'stop db']);
  });
});
