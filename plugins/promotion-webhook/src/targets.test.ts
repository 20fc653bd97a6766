import { describe, expect, it } from 'vitest';
import { joinUrl, probeTargets } from './targets.js';

describe('joinUrl', () => {
  it('keeps the base path and never doubles the slash', () => {
    expect(joinUrl('http://h/app', '/healthcheck')).toBe('http://h/app/healthcheck');
    expect(joinUrl('http://h/app/', '/healthcheck')).toBe('http://h/app/healthcheck');
    expect(joinUrl('http://h:8080', '/healthcheck')).toBe('http://h:8080/healthcheck');
    expect(joinUrl('https://h/', '/status?full=1')).toBe('https://h/status?full=1');
  });

  it('takes a host without a scheme as http', () => {
    expect(joinUrl('prod-1.internal:8080', '/hc')).toBe('http://prod-1.internal:8080/hc');
  });
});

describe('probeTargets', () => {
  const env = { key: 'prod', url: 'http://lb.internal', hosts: ['http://prod-1:8080', 'http://prod-2:8080/'] };

  it('prefers each host over the environment url', () => {
    expect(probeTargets('/hc', env)).toEqual({ ok: true, urls: ['http://prod-1:8080/hc', 'http://prod-2:8080/hc'] });
    expect(probeTargets('/hc', { ...env, hosts: [] })).toEqual({ ok: true, urls: ['http://lb.internal/hc'] });
  });

  it('probes an absolute url once, as is', () => {
    expect(probeTargets('https://status.internal/x', env)).toEqual({ ok: true, urls: ['https://status.internal/x'] });
  });

  it('explains a relative url without anything to join it to', () => {
    expect(probeTargets('/hc', { key: 'bare', url: null, hosts: [] })).toEqual({
      ok: false,
      error: 'relative url "/hc" needs the environment\'s url or hosts, and environment "bare" has neither',
    });
  });
});
