import { describe, expect, it } from 'vitest';
import type { WebhookConfig } from '../../config/model.js';
import { eventGlobRegex, orderKeyOf, WebhookMatcher } from './webhookMatch.js';
import { signWebhook, secretKey, webhookHeaders } from './signature.js';
import { createHmac } from 'node:crypto';
import { retryDelaySeconds } from './sender.js';

const hook = (url: string, extra: Partial<WebhookConfig> = {}): WebhookConfig => ({
  url,
  events: ['*'],
  environments: [],
  secret: null,
  retry: { attempts: 10, backoff: 5 },
  ...extra,
});

const deployment = (environment: string) => ({ id: 7, environment, status: 'CREATED' });

describe('event globs', () => {
  it('matches types without the deploydb. prefix, * across dots', () => {
    expect(eventGlobRegex('*').test('deployment.created')).toBe(true);
    expect(eventGlobRegex('deployment.*').test('deployment.verified')).toBe(true);
    expect(eventGlobRegex('deployment.*').test('deploymentXcreated')).toBe(false);
    expect(eventGlobRegex('deployment.*').test('promotion.completed')).toBe(false);
    expect(eventGlobRegex('promotion.completed').test('promotion.completed')).toBe(true);
    expect(eventGlobRegex('*.completed').test('flow.completed')).toBe(true);
    expect(eventGlobRegex('deployment.?ailed').test('deployment.failed')).toBe(true);
  });
});

describe('WebhookMatcher', () => {
  it('applies each webhook’s event globs', () => {
    const matcher = new WebhookMatcher([hook('http://a', { events: ['deployment.*', 'promotion.completed'] }), hook('http://all')]);
    const urls = (type: string, data: unknown = deployment('dev')) => matcher.match(type, data).map((w) => w.url);
    expect(urls('deploydb.deployment.created')).toEqual(['http://a', 'http://all']);
    expect(urls('deploydb.promotion.completed', { deployment: deployment('dev') })).toEqual(['http://a', 'http://all']);
    expect(urls('deploydb.artifact.created', { id: 1 })).toEqual(['http://all']);
    expect(urls('deploydb.flow.completed', { id: 1 })).toEqual(['http://all']);
  });

  it('lets an environments filter through only deployment and promotion events of those environments', () => {
    const matcher = new WebhookMatcher([hook('http://prod', { environments: ['prod'] })]);
    const urls = (type: string, data: unknown) => matcher.match(type, data).map((w) => w.url);
    expect(urls('deploydb.deployment.verified', deployment('prod'))).toEqual(['http://prod']);
    expect(urls('deploydb.deployment.verified', deployment('dev'))).toEqual([]);
    expect(urls('deploydb.promotion.completed', { deployment: deployment('prod'), promotionResult: {} })).toEqual(['http://prod']);
    expect(urls('deploydb.promotion.completed', { deployment: deployment('integ'), promotionResult: {} })).toEqual([]);
    expect(urls('deploydb.artifact.created', { id: 1, environment: 'prod' })).toEqual([]);
    expect(urls('deploydb.flow.completed', { id: 1, deployments: [deployment('prod')] })).toEqual([]);
  });

  it('ignores inbound triggers and foreign types', () => {
    const matcher = new WebhookMatcher([hook('http://all')]);
    expect(matcher.match('deploydb.trigger.deployment.started', {})).toEqual([]);
    expect(matcher.match('other.deployment.created', deployment('dev'))).toEqual([]);
  });

  it('gives an event to a URL once, through the first webhook of that URL that wants it', () => {
    const first = hook('http://same', { events: ['artifact.*'], retry: { attempts: 3, backoff: 1 } });
    const second = hook('http://same', { events: ['*'], retry: { attempts: 7, backoff: 1 } });
    const matcher = new WebhookMatcher([first, second]);
    expect(matcher.match('deploydb.artifact.created', { id: 1 })).toEqual([first]);
    expect(matcher.match('deploydb.flow.completed', { id: 1 })).toEqual([second]);
  });
});

describe('order keys', () => {
  it('puts a deployment’s events, its promotions’ included, in one sequence', () => {
    expect(orderKeyOf({ id: 'a', subject: 'deployments/12' })).toBe('deployments/12');
    expect(orderKeyOf({ id: 'b', subject: 'deployments/12/promotions/3' })).toBe('deployments/12');
    expect(orderKeyOf({ id: 'c', subject: 'flows/4' })).toBe('flows/4');
    expect(orderKeyOf({ id: 'd' })).toBe('event/d');
  });
});

describe('Standard Webhooks signing', () => {
  it('signs {id}.{timestamp}.{body} with the decoded secret', () => {
    const raw = Buffer.from('a secret of some length, 32 byte');
    const secret = `whsec_${raw.toString('base64')}`;
    const body = '{"hello":"world"}';
    const expected = createHmac('sha256', raw).update(`msg_1.1700000000.${body}`).digest('base64');
    expect(signWebhook(secretKey(secret), 'msg_1', 1700000000, body)).toBe(`v1,${expected}`);
    const headers = webhookHeaders('msg_1', body, secretKey(secret), new Date(1700000000_900));
    expect(headers).toEqual({
      'content-type': 'application/cloudevents+json',
      'webhook-id': 'msg_1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': `v1,${expected}`,
    });
    expect(webhookHeaders('msg_1', body, null, new Date())).not.toHaveProperty('webhook-signature');
  });
});

describe('retry delays', () => {
  it('doubles from the backoff, is capped at an hour, and spreads by the jitter either way', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4].map((attempts) => retryDelaySeconds(5, attempts, 0.2, middle))).toEqual([5, 10, 20, 40]);
    expect(retryDelaySeconds(5, 20, 0.2, middle)).toBe(3600);
    expect(retryDelaySeconds(5, 20, 0.2, () => 1)).toBe(3600);
    expect(retryDelaySeconds(10, 1, 0.2, () => 0)).toBeCloseTo(8);
    expect(retryDelaySeconds(10, 1, 0.2, () => 1)).toBeCloseTo(12);
    expect(retryDelaySeconds(0.1, 1, 0, Math.random)).toBeCloseTo(0.1);
  });
});
