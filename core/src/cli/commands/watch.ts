import type { Command } from 'commander';
import { createParser } from 'eventsource-parser';
import type { CloudEvent } from '../../events/cloudEvent.js';
import { ApiClient } from '../apiClient.js';
import { RefusedError } from '../cliErrors.js';
import { clientContext } from '../clientContext.js';
import { coordinates, when } from '../format.js';
import type { Output } from '../output.js';
import { withProgress } from '../progress.js';

/** Waits between reconnections: from 1 s, doubling, at most 30 s. */
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 30_000;

/** `watch`: the live event stream, one line per event, reconnecting where it left off. */
export function watchCommand(program: Command): void {
  program
    .command('watch')
    .description('one line per live event (time, type, subject, service/environment, version, status), until interrupted')
    .option('--types <globs>', 'event types without "deploydb.", comma-separated globs: deployment.*,flow.completed')
    .option('--env <environment>', 'deployment and promotion events of this environment only')
    .option('--service <service>', 'deployment, promotion and flow events of this service only')
    .action(async (options: { types?: string; env?: string; service?: string }, command: Command) => {
      const { api, out } = clientContext(command);
      const url = api.url('/api/events/stream', { types: options.types, environment: options.env, service: options.service });
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let lastEventId: string | undefined;
      let retryMs = FIRST_RETRY_MS;
      try {
        while (!stop.signal.aborted) {
          let reason: string;
          try {
            await follow(api, url, lastEventId, stop.signal, (event) => {
              lastEventId = event.id;
              retryMs = FIRST_RETRY_MS;
              out.line(out.json ? JSON.stringify(event) : eventLine(out, event));
            });
            reason = 'the server closed the stream';
          } catch (error) {
            if (stop.signal.aborted) break;
            if (error instanceof RefusedError && error.status < 500) throw error;
            reason = (error as Error).message;
          }
          if (!process.stderr.isTTY) process.stderr.write(`deploydb: ${reason}; reconnecting in ${retryMs / 1000} s\n`);
          await withProgress(`${reason}; reconnecting`, sleep(retryMs, stop.signal));
          retryMs = Math.min(retryMs * 2, LAST_RETRY_MS);
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

/** Reads the stream until it ends, handing each event over; resumes after `lastEventId`. */
async function follow(api: ApiClient, url: string, lastEventId: string | undefined, signal: AbortSignal, onEvent: (event: CloudEvent) => void): Promise<void> {
  const response = await api.fetch(url, {
    headers: api.headers({ accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }),
    signal,
  });
  if (!response.ok) throw await ApiClient.refusal(response);
  const parser = createParser({ onEvent: (message) => onEvent(JSON.parse(message.data) as CloudEvent) });
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
}

/** `2026-12-04 05:00:12Z  deployment.completed  deployments/12  faas/prod 1.4.2 COMPLETED` */
export function eventLine(out: Output, event: CloudEvent): string {
  const type = event.type.replace(/^deploydb\./, '');
  return [when(event.time), out.colours.bold(type), event.subject, describe(out, event)].filter(Boolean).join('  ');
}

function describe(out: Output, event: CloudEvent): string {
  const data = event.data as Record<string, any>;
  if (event.type === 'deploydb.artifact.created') return coordinates(data as never);
  if (event.type.startsWith('deploydb.deployment.')) return `${data.service}/${data.environment} ${data.artifact?.version ?? ''} ${out.status(data.status)}`;
  if (event.type === 'deploydb.promotion.completed') {
    const d = data.deployment ?? {};
    const r = data.promotionResult ?? {};
    return `${d.service}/${d.environment} ${d.artifact?.version ?? ''} ${r.promotion} ${out.status(r.status)}`;
  }
  if (event.type === 'deploydb.flow.completed') return `${data.service} ${data.artifact?.version ?? ''} ${out.status(data.status)}`;
  return '';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
