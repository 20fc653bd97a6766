import { useState } from 'preact/hooks';
import { allPages, api, unwrap } from '../api/client';
import type { FlowStatus } from '../api/types';
import { loadConfiguration } from '../data';
import { href, replaceQuery, route } from '../router';
import { Empty, ErrorNotice, Loading } from '../ui/Notice';
import { Page } from '../ui/Page';
import { DeploymentMark, FlowMark } from '../ui/StatusMark';
import { Ago } from '../ui/Time';
import { useQuery } from '../useQuery';

const STATUSES: FlowStatus[] = ['RUNNING', 'SUCCESS', 'FAILED'];
/**
 * The API lists flows oldest first and has no newest-first order: the page reads up to this many
 * and shows them newest first. Beyond it, filters narrow the list.
 */
const MAX_FLOWS = 5000;
const SHOWN_STEP = 100;

async function loadFlows(service: string | undefined, status: FlowStatus | undefined) {
  const [config, flows] = await Promise.all([
    loadConfiguration(),
    allPages((cursor) => unwrap(api.GET('/api/flows', { params: { query: { service, status, limit: 500, cursor } } })), MAX_FLOWS),
  ]);
  return { services: config.services, flows: flows.items.reverse(), complete: flows.complete };
}

/** Every flow, newest first, filtered by service and status. */
export function FlowsPage() {
  const query = route.value.query;
  const service = query.get('service') || undefined;
  const status = (STATUSES as string[]).includes(query.get('status') ?? '') ? (query.get('status') as FlowStatus) : undefined;
  const page = useQuery(() => loadFlows(service, status), [service, status]);
  const [shown, setShown] = useState(SHOWN_STEP);
  const data = page.data;
  return (
    <Page kicker="Flows" title="Artifacts travelling their pipelines">
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter flows">
        <div class="field">
          <label for="flows-service">Service</label>
          <select id="flows-service" value={service ?? ''} onChange={(e) => replaceQuery({ service: e.currentTarget.value, status })}>
            <option value="">All services</option>
            {data?.services.map((s) => (
              <option key={s.key} value={s.key}>
                {s.name} ({s.key})
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="flows-status">Status</label>
          <select id="flows-status" value={status ?? ''} onChange={(e) => replaceQuery({ service, status: e.currentTarget.value })}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.toLowerCase()}
              </option>
            ))}
          </select>
        </div>
      </form>
      {page.error ? <ErrorNotice error={page.error} what="flows" /> : null}
      {!data ? (
        <Loading what="flows" />
      ) : data.flows.length === 0 ? (
        <Empty>No flow matches.</Empty>
      ) : (
        <>
          <div class="scroll-x">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Flow</th>
                  <th scope="col">Artifact</th>
                  <th scope="col">Service</th>
                  <th scope="col">Status</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {data.flows.slice(0, shown).map((flow) => (
                  <tr key={flow.id}>
                    <td class="num">{flow.id}</td>
                    <td>
                      <a class="version" href={href('artifact', flow.artifact.id)}>
                        {flow.artifact.name} {flow.artifact.version}
                      </a>
                    </td>
                    <td>
                      <a href={href('service', flow.service)}>{flow.service}</a> <span class="muted">{flow.pipeline}</span>
                    </td>
                    <td>
                      <FlowMark status={flow.status} />
                    </td>
                    <td>
                      <ol class="progress">
                        {flow.deployments.map((d) => (
                          <li key={d.id}>
                            <a href={href('deployment', d.id)} title={`${d.environment}: ${d.status}`}>
                              {d.environment} <DeploymentMark deployment={d} compact />
                            </a>
                          </li>
                        ))}
                      </ol>
                    </td>
                    <td>
                      <Ago iso={flow.updatedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="muted small">
            {Math.min(shown, data.flows.length)} of {data.flows.length}
            {data.complete ? ' flows.' : ` flows read (the first ${MAX_FLOWS} started): choose a service or a status to see later ones.`}{' '}
            {shown < data.flows.length ? (
              <button type="button" class="button" onClick={() => setShown(shown + SHOWN_STEP)}>
                Show more
              </button>
            ) : null}
          </p>
        </>
      )}
    </Page>
  );
}
