import type { Deployment, ServiceConfig, ServiceEnvironment } from '../api/types';
import { loadConfiguration, serviceEnvironments } from '../data';
import { environmentOrder } from '../pipelineOrder';
import { href } from '../router';
import { Icon } from '../ui/Icon';
import { Empty, ErrorNotice, Loading } from '../ui/Notice';
import { Page } from '../ui/Page';
import { DeploymentMark } from '../ui/StatusMark';
import { Ago } from '../ui/Time';
import { useQuery } from '../useQuery';

/** Column widths in pixels: environments share the room equally, and scroll when it runs out. */
const SERVICE_COLUMN = 170;
const ENVIRONMENT_COLUMN = 150;

interface Row {
  service: ServiceConfig;
  cells: Map<string, ServiceEnvironment>;
}

async function loadMatrix() {
  const config = await loadConfiguration();
  const rows: Row[] = await Promise.all(
    config.services.map(async (service) => ({
      service,
      cells: new Map((await serviceEnvironments(service.key)).map((cell) => [cell.environment, cell])),
    })),
  );
  return { environments: environmentOrder(config.pipelines.filter((p) => config.services.some((s) => s.pipelines.includes(p.key)))), rows, config };
}

/** The manager's view: what runs where, for every service and environment. */
export function MatrixPage() {
  const matrix = useQuery(loadMatrix, []);
  const data = matrix.data;
  return (
    <Page title="What runs where" kicker="Matrix">
      {matrix.error ? <ErrorNotice error={matrix.error} what="the matrix" /> : null}
      {!data ? (
        matrix.loading ? <Loading what="the matrix" /> : null
      ) : data.rows.length === 0 ? (
        <Empty>No services are configured yet. Add one under `services:` in deploydb.yaml.</Empty>
      ) : (
        <>
          <Summary rows={data.rows} />
          <div class="scroll-x matrix-wrap" tabIndex={0} role="region" aria-label="Services by environment">
            <table class="matrix" style={{ minWidth: `${SERVICE_COLUMN + data.environments.length * ENVIRONMENT_COLUMN}px` }}>
              <thead>
                <tr>
                  <th scope="col" class="matrix-corner">
                    Service
                  </th>
                  {data.environments.map((env) => (
                    <th scope="col" key={env} title={data.config.environments.find((e) => e.key === env)?.description ?? undefined}>
                      {env}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.rows.map((row) => (
                  <tr key={row.service.key}>
                    <th scope="row" class="matrix-service">
                      <a href={href('service', row.service.key)}>{row.service.name}</a>
                      <span class="muted key">{row.service.key}</span>
                    </th>
                    {data.environments.map((env) => (
                      <MatrixCell key={env} cell={row.cells.get(env)} showModule={row.service.artifacts.length > 1} />
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Legend />
        </>
      )}
    </Page>
  );
}

function Summary({ rows }: { rows: Row[] }) {
  const cells = rows.flatMap((r) => [...r.cells.values()]);
  const inFlight = cells.filter((c) => c.inFlight).length;
  const verifying = cells.filter((c) => c.current?.status === 'COMPLETED' && c.current.promotions.some((p) => p.status !== 'SUCCESS')).length;
  return (
    <p class="summary">
      <strong>{rows.length}</strong> services · <strong>{inFlight}</strong> deployments in flight · <strong>{verifying}</strong> being verified
    </p>
  );
}

function Version({ deployment, showModule }: { deployment: Deployment; showModule: boolean }) {
  return (
    <span class="version">
      {showModule ? <span class="module">{deployment.artifact.name} </span> : null}
      {deployment.artifact.version}
    </span>
  );
}

function MatrixCell({ cell, showModule }: { cell: ServiceEnvironment | undefined; showModule: boolean }) {
  if (!cell) {
    return (
      <td class="cell cell-none">
        <span class="muted" title="Not in this service's pipelines">
          —<span class="sr-only">not in its pipelines</span>
        </span>
      </td>
    );
  }
  const { current, inFlight } = cell;
  return (
    <td class={`cell${current ? '' : ' cell-empty'}`}>
      {current ? (
        <a class="cell-current" href={href('deployment', current.id)}>
          <Version deployment={current} showModule={showModule} />
          <span class="cell-status">
            <DeploymentMark deployment={current} compact /> <Ago iso={current.statusAt ?? current.updatedAt} />
          </span>
          {current.kind && current.kind !== 'flow' ? <span class={`kind kind-${current.kind}`}>{current.kind}</span> : null}
        </a>
      ) : (
        <span class="muted cell-nothing">nothing yet</span>
      )}
      {inFlight ? (
        <a class="cell-inflight" href={href('deployment', inFlight.id)}>
          <Icon name="arrow" />
          <span class="sr-only">in flight:</span> <Version deployment={inFlight} showModule={showModule} /> <DeploymentMark deployment={inFlight} compact />
        </a>
      ) : null}
    </td>
  );
}

function Legend() {
  return (
    <p class="legend">
      <span class="mark tone-pass compact">
        <Icon name="pass" />
        <span class="mark-label">verified / deployed</span>
      </span>
      <span class="mark tone-running compact">
        <Icon name="running" />
        <span class="mark-label">deploying / verifying</span>
      </span>
      <span class="mark tone-waiting compact">
        <Icon name="waiting" />
        <span class="mark-label">waiting</span>
      </span>
      <span class="mark tone-fail compact">
        <Icon name="fail" />
        <span class="mark-label">failed</span>
      </span>
      <span class="legend-item">
        <Icon name="arrow" /> in flight
      </span>
    </p>
  );
}
