import { uuidv7 } from './uuidv7.js';

/** A CloudEvent 1.0 in structured JSON, as DeployDB emits it (CONTRACT §5). */
export interface CloudEvent<D = unknown> {
  specversion: '1.0';
  id: string;
  source: 'deploydb';
  type: EventType;
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  data: D;
}

/** The outbound event types (CONTRACT §5). */
export const EVENT_TYPES = [
  'deploydb.artifact.created',
  'deploydb.deployment.created',
  'deploydb.deployment.started',
  'deploydb.deployment.completed',
  'deploydb.deployment.verified',
  'deploydb.deployment.failed',
  'deploydb.promotion.completed',
  'deploydb.flow.completed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** A new event; `orderKey` groups events that must be published in order (one deployment's). */
export interface PendingEvent {
  event: CloudEvent;
  orderKey: string;
}

/** A new event. `data` is kept as given: pass a snapshot (a view made for the event) that nothing changes afterwards. */
export function cloudEvent<D>(type: EventType, subject: string, data: D, time: Date, orderKey: string): PendingEvent {
  return {
    orderKey,
    event: {
      specversion: '1.0',
      id: uuidv7(),
      source: 'deploydb',
      type,
      time: time.toISOString(),
      subject,
      datacontenttype: 'application/json',
      data,
    },
  };
}
