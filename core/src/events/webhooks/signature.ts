import { createHmac } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** The key bytes of a Standard Webhooks secret (`whsec_` + base64). */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/**
 * The Standard Webhooks signature of one message: `v1,` + base64 HMAC-SHA256 of
 * `{id}.{timestamp}.{body}`, keyed with the secret's base64-decoded part.
 */
export function signWebhook(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * The headers of one webhook POST. `webhook-id` and `webhook-timestamp` are always sent (a
 * receiver deduplicates by the id); without a secret there is no `webhook-signature`, since
 * there is nothing a receiver could check it against.
 */
export function webhookHeaders(eventId: string, body: string, key: Buffer | null, now: Date): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/cloudevents+json',
    'webhook-id': eventId,
    'webhook-timestamp': String(timestamp),
  };
  if (key) headers['webhook-signature'] = signWebhook(key, eventId, timestamp, body);
  return headers;
}
