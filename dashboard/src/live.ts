import { signal } from '@preact/signals';
import { currentToken } from './api/client';
import { readEventStream, type StreamState } from './api/eventStream';
import type { DeployDbEvent } from './api/types';

/** Bumped after each change the server tells about; pages read again when it moves. */
export const changes = signal(0);
export const streamState = signal<StreamState>('connecting');
/** The latest events received, newest last (the deployment page shows its own). */
export const recentEvents = signal<DeployDbEvent[]>([]);

const KEPT_EVENTS = 500;
/** Several events of one change arrive together: read the pages again once for all of them. */
const GATHER_MS = 150;
/** Without the stream (an older server, a proxy that buffers), pages are read again this often. */
const POLL_MS = 1500;

let stop: AbortController | null = null;

/** Follows `GET /api/events/stream` until `stopLive()`; polls while the stream is not there. */
export function startLive(): void {
  stopLive();
  const controller = new AbortController();
  stop = controller;
  let pending: ReturnType<typeof setTimeout> | null = null;
  const bump = () => {
    pending ??= setTimeout(() => {
      pending = null;
      changes.value += 1;
    }, GATHER_MS);
  };
  const poll = setInterval(() => {
    if (streamState.value !== 'live') changes.value += 1;
  }, POLL_MS);
  controller.signal.addEventListener('abort', () => clearInterval(poll), { once: true });
  void readEventStream({
    url: `${location.origin}/api/events/stream`,
    token: currentToken(),
    signal: controller.signal,
    onState(state) {
      // Coming back after an outage: whatever happened meanwhile is read again.
      if (state === 'live' && streamState.value !== 'live') bump();
      streamState.value = state;
    },
    onEvent(event) {
      recentEvents.value = [...recentEvents.value.slice(-(KEPT_EVENTS - 1)), event];
      bump();
    },
  });
}

export function stopLive(): void {
  stop?.abort();
  stop = null;
}
