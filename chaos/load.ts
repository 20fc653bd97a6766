/**
 * The chaos run's load: at a steady rate, actions spread over the instances that are up, each
 * the next step of some flow as a CI system and its approvers would take it: registrations
 * (mostly POST /api/artifacts, some as `artifact.available` triggers), deployment reports
 * (PATCH, or `deployment.started` / `.completed` triggers), some failures, and the manual
 * approvals of preprod (alice and bob) and prod (carol). A share of the steps is sent to two
 * instances at once (the same trigger id twice, or the same report twice), as a retrying client
 * does: a transition must still happen once.
 *
 * A request that gets no answer (its instance was killed) is tried again on another instance,
 * as a client would. Every answer is counted by status.
 */
import { randomUUID } from 'node:crypto';
import { TOKENS } from '../test/support/fixtures.js';
import { triggerEvent } from '../test/support/busReaders.js';
import type { Instance } from './processes.js';

type Who = keyof typeof TOKENS;

/** The modules the ledger configuration knows, with the services (and so the flows) they make. */
const MODULES = ['com.acme:foas', 'com.acme:puppet-foas', 'com.acme:billing'] as const;

export interface LoadOptions {
  instances: Instance[];
  /** Actions started per second. */
  rate: number;
  /** Flows walked at once; registrations wait while this many are in progress. */
  activeFlows?: number;
  /** Share of the actions that are one read of what runs where, lists or the audit-free views (0). */
  reads?: number;
  random?: () => number;
}

export interface LoadFigures {
  requests: number;
  byStatus: Record<string, number>;
  /** Requests that got no answer at all (connection refused or cut: a killed instance). */
  unanswered: number;
  /** The same, by why (the network error's code, or `timeout`). */
  unansweredBy: Record<string, number>;
  /** The first few 5xx answers, for the report. */
  serverErrors: string[];
  /** Ids of the artifacts whose registration answered 201. */
  registered: number[];
  /** Artifacts registered by a trigger answered `applied`, by coordinates. */
  registeredByTrigger: Array<{ group: string; name: string; version: string }>;
  /** Steps sent to two instances at once. */
  doubledSteps: number;
  /** Ticks skipped because too many actions were still waiting for answers. */
  skippedTicks: number;
  flowsFinished: number;
}

interface ActiveFlow {
  flowId: number;
  artifact: { group: string; name: string; version: string };
  service: string;
}

export interface Load {
  figures: LoadFigures;
  /** Stops starting actions and resolves once every started one has its answer. */
  stop(): Promise<void>;
}

/** Read routes for the `reads` share, as a dashboard or a script asks them. */
const READS = [
  '/api/services/faas/environments',
  '/api/services/billing/environments',
  '/api/environments/prod/services',
  '/api/environments/dev/services',
  '/api/flows?limit=20',
  '/api/deployments?limit=20',
  '/api/artifacts?limit=20',
  '/api/environments/preprod/deployments?limit=20',
  '/api/services/faas/environments/prod/history?limit=20',
];

export function startLoad({ instances, rate, activeFlows = 40, reads = 0, random = Math.random }: LoadOptions): Load {
  const figures: LoadFigures = { requests: 0, byStatus: {}, unanswered: 0, unansweredBy: {}, serverErrors: [], registered: [], registeredByTrigger: [], doubledSteps: 0, skippedTicks: 0, flowsFinished: 0 };
  const active: ActiveFlow[] = [];
  const busy = new Set<number>();
  const inFlight = new Set<Promise<void>>();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  let counter = 0;

  function liveInstances(): Instance[] {
    const up = instances.filter((i) => i.serving());
    return up.length > 0 ? up : instances;
  }

  /** One request to `instance`; null when no answer came (the caller tries elsewhere). */
  async function send(instance: Instance, method: string, path: string, body: unknown, who: Who): Promise<{ status: number; body: any } | null> {
    figures.requests += 1;
    try {
      const response = await fetch(`${instance.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKENS[who]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await response.text();
      figures.byStatus[response.status] = (figures.byStatus[response.status] ?? 0) + 1;
      if (response.status >= 500 && figures.serverErrors.length < 20) figures.serverErrors.push(`${method} ${path} on ${instance.name}: ${response.status} ${text.slice(0, 300)}`);
      return { status: response.status, body: text ? JSON.parse(text) : null };
    } catch (error) {
      figures.unanswered += 1;
      const why = whyUnanswered(error);
      figures.unansweredBy[why] = (figures.unansweredBy[why] ?? 0) + 1;
      return null;
    }
  }

  /** Sends until some instance answers (at most 5 tries, a short pause between). */
  async function call(method: string, path: string, body: unknown, who: Who): Promise<{ status: number; body: any } | null> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const answer = await send(pick(liveInstances()), method, path, body, who);
      if (answer) return answer;
      await new Promise((resolve) => setTimeout(resolve, 200 + 300 * attempt));
    }
    return null;
  }

  /** The same request to two instances at once (when two are up), else once. */
  async function callTwice(method: string, path: string, body: unknown, who: Who): Promise<void> {
    const up = liveInstances();
    if (up.length < 2) {
      await call(method, path, body, who);
      return;
    }
    figures.doubledSteps += 1;
    const first = pick(up);
    const second = pick(up.filter((i) => i !== first));
    await Promise.all([send(first, method, path, body, who), send(second, method, path, body, who)]);
  }

  const step = (method: string, path: string, body: unknown, who: Who) => (random() < 0.1 ? callTwice(method, path, body, who) : call(method, path, body, who).then(() => undefined));

  async function register(): Promise<void> {
    counter += 1;
    const [group, name] = pick(MODULES).split(':') as [string, string];
    const artifact = { group, name, version: `2.${counter}.0-${randomUUID().slice(0, 8)}`, sourceUrl: `https://ci.acme.test/${name}/${counter}` };
    if (random() < 0.25) {
      const answer = await call('POST', '/api/triggers', triggerEvent('artifact.available', artifact), 'ci');
      if (answer?.status === 202 && answer.body.results?.[0]?.outcome === 'applied') figures.registeredByTrigger.push({ group, name, version: artifact.version });
      return;
    }
    const answer = await call('POST', '/api/artifacts', artifact, 'ci');
    if (answer?.status !== 201) return;
    figures.registered.push(answer.body.id);
    for (const flow of answer.body.flows as Array<{ id: number; service: string }>) active.push({ flowId: flow.id, service: flow.service, artifact: { group, name, version: artifact.version } });
  }

  /** The next step of one flow, by what its newest deployment says. */
  async function advance(flow: ActiveFlow): Promise<void> {
    const read = await call('GET', `/api/flows/${flow.flowId}`, undefined, 'reader');
    if (read?.status !== 200) return;
    const { status, deployments } = read.body as { status: string; deployments: Array<{ id: number; status: string; environment: string }> };
    const last = deployments.at(-1)!;
    if (status === 'SUCCESS' || status === 'FAILED') {
      active.splice(active.indexOf(flow), 1);
      figures.flowsFinished += 1;
      return;
    }
    const trigger = (type: string) => triggerEvent(type, { service: flow.service, environment: last.environment, artifact: flow.artifact });
    switch (last.status) {
      case 'CREATED':
        if (random() < 0.3) await step('POST', '/api/triggers', trigger('deployment.started'), 'ci');
        else await step('PATCH', `/api/deployments/${last.id}`, { status: 'STARTED' }, 'ci');
        return;
      case 'STARTED':
        if (random() < 0.04) await step('PATCH', `/api/deployments/${last.id}`, { status: 'FAILED', reason: 'chaos says no' }, 'ci');
        else if (random() < 0.3) await step('POST', '/api/triggers', trigger('deployment.completed'), 'ci');
        else await step('PATCH', `/api/deployments/${last.id}`, { status: 'COMPLETED' }, 'ci');
        return;
      case 'COMPLETED': {
        // Waiting for its manual promotion: pair-review in preprod (alice and bob), go-live in prod.
        const approval = last.environment === 'preprod' ? { who: pick(['alice', 'bob'] as const), name: 'pair-review' } : { who: 'carol' as const, name: 'go-live' };
        await step('POST', `/api/deployments/${last.id}/promotions`, { name: approval.name, status: 'SUCCESS' }, approval.who);
        return;
      }
      default:
        // VERIFIED with the flow still going: the next deployment is being created.
        return;
    }
  }

  function act(): Promise<void> {
    if (random() < reads) return call('GET', pick(READS), undefined, 'reader').then(() => undefined);
    const idle = active.filter((f) => !busy.has(f.flowId));
    if (active.length < activeFlows && (idle.length === 0 || random() < 0.2)) return register();
    if (idle.length === 0) return Promise.resolve();
    const flow = pick(idle);
    busy.add(flow.flowId);
    return advance(flow).finally(() => busy.delete(flow.flowId));
  }

  const timer = setInterval(() => {
    if (inFlight.size >= 4 * rate) {
      figures.skippedTicks += 1;
      return;
    }
    const action = act().catch((error) => {
      if (figures.serverErrors.length < 20) figures.serverErrors.push(`load: ${String(error)}`);
    });
    inFlight.add(action);
    void action.finally(() => inFlight.delete(action));
  }, 1000 / rate);

  return {
    figures,
    async stop() {
      clearInterval(timer);
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

/** A failed fetch's reason, short: the socket error's code, `timeout`, or the message. */
function whyUnanswered(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return 'timeout';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? String(error);
}
