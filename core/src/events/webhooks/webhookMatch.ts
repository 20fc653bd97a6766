import type { WebhookConfig } from '../../config/model.js';

const PREFIX = 'deploydb.';

/**
 * A glob over an event type without its `deploydb.` prefix, as written under `webhooks[].events`:
 * `*` matches any run of characters (dots included, so that a lone `*` means every event), `?`
 * one character, anything else itself.
 */
export function eventGlobRegex(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** True for the events webhooks are told about: DeployDB's own outbound events, never inbound triggers. */
export function isOutboundEvent(type: string): boolean {
  return type.startsWith(PREFIX) && !type.startsWith(`${PREFIX}trigger.`);
}

/** The environment of the deployment an event is about, or null for artifact and flow events. */
export function environmentOf(type: string, data: unknown): string | null {
  const short = type.slice(PREFIX.length);
  if (!short.startsWith('deployment.') && !short.startsWith('promotion.')) return null;
  if (typeof data !== 'object' || data === null) return null;
  const record = data as { environment?: unknown; deployment?: { environment?: unknown } | null };
  const environment = record.environment ?? record.deployment?.environment;
  return typeof environment === 'string' ? environment : null;
}

/** The service of the deployment or flow an event is about, or null for artifact events. */
export function serviceOf(type: string, data: unknown): string | null {
  const short = type.slice(PREFIX.length);
  if (!short.startsWith('deployment.') && !short.startsWith('promotion.') && !short.startsWith('flow.')) return null;
  if (typeof data !== 'object' || data === null) return null;
  const record = data as { service?: unknown; deployment?: { service?: unknown } | null };
  const service = record.service ?? record.deployment?.service;
  return typeof service === 'string' ? service : null;
}

/**
 * Events that must reach one URL in the order they happened share a key: one deployment's
 * events (`deployments/12`, `deployments/12/promotions/3`), one artifact's, one flow's. Taken
 * from the CloudEvent subject; an event without one is its own sequence.
 */
export function orderKeyOf(event: { id: string; subject?: unknown }): string {
  if (typeof event.subject === 'string') {
    const [kind, id] = event.subject.split('/');
    if (kind && id) return `${kind}/${id}`;
  }
  return `event/${event.id}`;
}

/** Decides, for the configuration at hand, which webhooks an event goes to. */
export class WebhookMatcher {
  private readonly compiled: Array<{ webhook: WebhookConfig; globs: RegExp[]; environments: Set<string> }>;

  constructor(webhooks: readonly WebhookConfig[]) {
    this.compiled = webhooks.map((webhook) => ({
      webhook,
      globs: webhook.events.map(eventGlobRegex),
      environments: new Set(webhook.environments),
    }));
  }

  /**
   * The webhooks that want this event, one per URL (the first configured wins: a delivery is
   * kept per event and URL). An `environments` filter lets through only deployment and
   * promotion events of those environments.
   */
  match(type: string, data: unknown): WebhookConfig[] {
    if (!isOutboundEvent(type)) return [];
    const short = type.slice(PREFIX.length);
    let environment: string | null | undefined;
    const chosen = new Map<string, WebhookConfig>();
    for (const { webhook, globs, environments } of this.compiled) {
      if (chosen.has(webhook.url)) continue;
      if (!globs.some((glob) => glob.test(short))) continue;
      if (environments.size > 0) {
        environment ??= environmentOf(type, data);
        if (environment === null || !environments.has(environment)) continue;
      }
      chosen.set(webhook.url, webhook);
    }
    return [...chosen.values()];
  }
}

/** The webhook configured for a URL (the first one), or null when none is any more. */
export function webhookFor(webhooks: readonly WebhookConfig[], url: string): WebhookConfig | null {
  return webhooks.find((w) => w.url === url) ?? null;
}
