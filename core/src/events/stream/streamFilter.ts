import type { CloudEvent } from '../cloudEvent.js';
import { environmentOf, eventGlobRegex, serviceOf } from '../webhooks/webhookMatch.js';

/** What a client of the event stream asked for (CONTRACT §12); absent parts let everything through. */
export interface StreamFilterSpec {
  /** Globs over the type without `deploydb.`, as a webhook's `events`. */
  types?: readonly string[];
  /** Deployment and promotion events of this environment only. */
  environment?: string;
  /** Deployment, promotion and flow events of this service only. */
  service?: string;
}

/** An event as the stream hands it out: the CloudEvent and the one frame every client sends. */
export interface StreamEvent {
  /** Position in the outbox. */
  id: number;
  event: CloudEvent;
  /** The `text/event-stream` frame: `id:`, `event:` and `data:` lines. */
  frame: string;
  /** Read after events with higher ids had been handed out (its transaction committed late). */
  late?: boolean;
}

/** Decides which events one client gets. */
export function streamFilter(spec: StreamFilterSpec): (event: CloudEvent) => boolean {
  const globs = spec.types?.map(eventGlobRegex) ?? null;
  return (event) => {
    if (globs && !globs.some((glob) => glob.test(event.type.slice('deploydb.'.length)))) return false;
    if (spec.environment !== undefined && environmentOf(event.type, event.data) !== spec.environment) return false;
    if (spec.service !== undefined && serviceOf(event.type, event.data) !== spec.service) return false;
    return true;
  };
}

/** The Server-Sent Events frame of an event: its id, its type as the event name, the CloudEvent as data (one line of JSON). */
export function eventFrame(event: CloudEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
