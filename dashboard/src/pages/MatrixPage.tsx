import type { Deployment, ServiceConfig, ServiceEnvironment } from '../api/types';
import { loadConfiguration, serviceEnvironments } from '../data';
import { environmentOrder } from '../pipelineOrder';
import { href, replaceQuery, route } from '../router';
import { Icon } from '../ui/Icon';
import { KindBadge } from '../ui/KindBadge';
import { Empty, ErrorNotice, Loading } from '../ui/Notice';
import { Page } from '../ui/Page';
import { DeploymentMark } from '../ui/StatusMark';
import { Ago, At } from '../ui/Time';
import { useQuery } from '../useQuery';

/** Column widths in pixels: environments share the room equally, and scroll when it runs out. */
const SERVICE_COLUMN = 170;
const ENVIRONMENT_COLUMN = 150;

interface Row {
  service: ServiceConfig;
  cells: Map<string, ServiceEnvironment>;
}

async function loadMatrix(at: string | undefined) {
  const config = await loadConfiguration();
  const rows: Row[] = await Promise.all(
    config.services.map(async (service) => ({
      service,
      cells: new Map((await serviceEnvironments(service.key, at)).map((cell) => [cell.environment, cell])),
    })),
  );
  return { environments: environmentOrder(config.pipelines.filter((p) => config.services.some((s) => s.pipelines.includes(p.key)))), rows, config };
}

/** The manager's view: what runs where, for every service and environment. */
export function MatrixPage() {
  const at = validTime(route.value.query.get('at'));
  const matrix = useQuery(() => loadMatrix(at), [at]);
  const data = matrix.data;
  return (
    <Page title={at ? 'What ran where' : 'What runs where'} kicker="Matrix" actions={<TimeTravel at={at} />}>
      {at ? (
        <p class="notice notice-info">
          As of <At iso={at} />: each cell shows what ran then, with its status at that moment. <a href={href('')}>Back to now</a>
        </p>
      ) : null}
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

/** `?at=` only when it is a time the browser can read; anything else shows now. */
function validTime(value: string | null): string | undefined {
  return value && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : undefined;
}

/** Two digits, for the value of a datetime-local input. */
const pad = (n: number) => String(n).padStart(2, '0');

/** Picks the moment the matrix answers for (CONTRACT §11 `?at=`), in the reader's time zone. */
function TimeTravel({ at }: { at: string | undefined }) {
  const local = at ? new Date(at) : null;
  const value = local ? `${local.getFullYear()}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}T${pad(local.getHours())}:${pad(local.getMinutes())}` : '';
  return (
    <form class="time-travel" onSubmit={(e) => e.preventDefault()} aria-label="Time travel">
      <label for="matrix-at">As of</label>
      <input
        id="matrix-at"
        type="datetime-local"
        value={value}
        onChange={(e) => {
          const chosen = e.currentTarget.value;
          replaceQuery({ at: chosen ? new Date(chosen).toISOString() : undefined });
        }}
      />
      {at ? (
        <button type="button" class="button button-quiet" onClick={() => replaceQuery({ at: undefined })}>
          Now
        </button>
      ) : null}
    </form>
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
            <DeploymentMark deployment={current} compact /> <Ago iso={current.statusAt} />
          </span>
          <KindBadge kind={current.kind} />
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
