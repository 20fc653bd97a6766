import { api, unwrap } from '../api/client';
import type { Deployment } from '../api/types';
import { loadConfiguration, serviceEnvironments } from '../data';
import { environmentsOf } from '../pipelineOrder';
import { href, replaceQuery, route } from '../router';
import { duration } from '../ui/format';
import { Icon } from '../ui/Icon';
import { KindBadge } from '../ui/KindBadge';
import { Empty, ErrorNotice, Loading } from '../ui/Notice';
import { Page, Section } from '../ui/Page';
import { DeploymentMark, DeploymentStatusMark } from '../ui/StatusMark';
import { Ago, At } from '../ui/Time';
import { useQuery } from '../useQuery';

async function loadService(name: string) {
  const config = await loadConfiguration();
  const service = config.services.find((s) => s.key === name);
  if (!service) return null;
  return { service, environments: await serviceEnvironments(name), order: environmentsOf(service, config.pipelines) };
}

/** One service: what runs in each environment, what is on its way, and how it got there. */
export function ServicePage({ name }: { name: string }) {
  const page = useQuery(() => loadService(name), [name]);
  const data = page.data;
  if (data === null) return <Page title="Not found">There is no service “{name}”.</Page>;
  if (!data) return <Page title={name}>{page.error ? <ErrorNotice error={page.error} what={`service ${name}`} /> : <Loading what="the service" />}</Page>;
  const { service, environments } = data;
  const chosen = route.value.query.get('env') ?? data.order.at(-1) ?? '';
  return (
    <Page
      kicker={<>Service · {service.key}</>}
      title={service.name}
      actions={
        <a class="button" href={href('flows', { service: service.key })}>
          Flows of {service.key}
        </a>
      }
    >
      {page.error ? <ErrorNotice error={page.error} what="the latest state" /> : null}
      <p class="muted">
        Modules {service.artifacts.join(', ')} · pipelines {service.pipelines.join(', ')}
        {service.promotions.length ? <> · promotions everywhere: {service.promotions.join(', ')}</> : null}
      </p>
      <Section title="Environments">
        <div class="scroll-x">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Environment</th>
                <th scope="col">Current</th>
                <th scope="col">Since</th>
                <th scope="col">In flight</th>
              </tr>
            </thead>
            <tbody>
              {environments.map((row) => (
                <tr key={row.environment}>
                  <th scope="row">{row.environment}</th>
                  <td>{row.current ? <DeploymentLink deployment={row.current} /> : <span class="muted">nothing yet</span>}</td>
                  <td>{row.current ? <Ago iso={row.current.statusAt} /> : null}</td>
                  <td>{row.inFlight ? <DeploymentLink deployment={row.inFlight} /> : <span class="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <Section title="History">
        <div class="field-row">
          <label for="history-env">Environment</label>
          <select id="history-env" value={chosen} onChange={(e) => replaceQuery({ env: e.currentTarget.value })}>
            {data.order.map((env) => (
              <option key={env} value={env}>
                {env}
              </option>
            ))}
          </select>
        </div>
        {chosen ? <History service={service.key} environment={chosen} /> : null}
      </Section>
    </Page>
  );
}

function DeploymentLink({ deployment }: { deployment: Deployment }) {
  return (
    <a class="deployment-link" href={href('deployment', deployment.id)}>
      <span class="version">
        {deployment.artifact.name} {deployment.artifact.version}
      </span>{' '}
      <DeploymentMark deployment={deployment} compact />
      <KindBadge kind={deployment.kind} />
    </a>
  );
}

/** Each time a deployment became current in the environment, newest first (CONTRACT §11). */
function History({ service, environment }: { service: string; environment: string }) {
  const history = useQuery(
    () => unwrap(api.GET('/api/services/{name}/environments/{env}/history', { params: { path: { name: service, env: environment }, query: { limit: 50 } } })),
    [service, environment],
  );
  if (history.error && !history.data) return <ErrorNotice error={history.error} what="the history" />;
  if (!history.data) return <Loading what="the history" />;
  if (history.data.items.length === 0) return <Empty>Nothing has run in {environment} yet.</Empty>;
  return (
    <ol class="timeline history">
      {history.data.items.map((entry) => (
        <li key={`${entry.deploymentId}-${entry.from}`} class={entry.to ? '' : 'is-current'}>
          <a href={href('deployment', entry.deploymentId)} class="version">
            {entry.artifact.name} {entry.artifact.version}
          </a>{' '}
          <KindBadge kind={entry.kind} /> <DeploymentStatusMark status={entry.status} />
          <div class="muted small">
            <At iso={entry.from} />
            {entry.to ? (
              <>
                {' '}
                <Icon name="arrow" /> <At iso={entry.to} /> ({duration((Date.parse(entry.to) - Date.parse(entry.from)) / 1000)})
              </>
            ) : (
              <> · still current</>
            )}
          </div>
        </li>
      ))}
    </ol>
  );
}
