import { api, unwrap } from '../api/client';
import type { DoraFigures, Percentiles } from '../api/types';
import { loadConfiguration } from '../data';
import { href, replaceQuery, route } from '../router';
import { duration, percent, when } from '../ui/format';
import { ErrorNotice, Loading } from '../ui/Notice';
import { Page, Section } from '../ui/Page';
import { useQuery } from '../useQuery';

const WINDOWS = [7, 30, 90, 365];

/** The four DORA figures (CONTRACT §11) for a chosen window, overall and per service. */
export function DoraPage() {
  const query = route.value.query;
  const service = query.get('service') || undefined;
  const days = WINDOWS.includes(Number(query.get('days'))) ? Number(query.get('days')) : 30;
  const config = useQuery(loadConfiguration, []);
  const dora = useQuery(() => {
    const to = new Date();
    const from = new Date(to.getTime() - days * 86_400_000);
    return unwrap(api.GET('/api/metrics/dora', { params: { query: { service, from: from.toISOString(), to: to.toISOString() } } }));
  }, [service, days]);
  return (
    <Page kicker="DORA metrics" title={service ? `Delivery of ${service}` : 'Delivery performance'}>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="DORA window">
        <div class="field">
          <label for="dora-service">Service</label>
          <select id="dora-service" value={service ?? ''} onChange={(e) => replaceQuery({ service: e.currentTarget.value, days: String(days) })}>
            <option value="">All services</option>
            {config.data?.services.map((s) => (
              <option key={s.key} value={s.key}>
                {s.name} ({s.key})
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="dora-days">Window</label>
          <select id="dora-days" value={String(days)} onChange={(e) => replaceQuery({ service, days: e.currentTarget.value })}>
            {WINDOWS.map((d) => (
              <option key={d} value={String(d)}>
                last {d} days
              </option>
            ))}
          </select>
        </div>
      </form>
      {dora.error && !dora.data ? <ErrorNotice error={dora.error} what="the DORA figures" /> : null}
      {!dora.data ? (
        dora.error ? null : <Loading what="the DORA figures" />
      ) : (
        <>
          <p class="muted small">
            From {when(dora.data.from)} to {when(dora.data.to)}, each service in the last environment of its pipelines.
          </p>
          <Figures figures={dora.data} />
          <Section title="Per service">
            <div class="scroll-x">
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">Service</th>
                    <th scope="col">Environment</th>
                    <th scope="col" class="num">
                      Deployments
                    </th>
                    <th scope="col" class="num">
                      Per day
                    </th>
                    <th scope="col" class="num">
                      Lead time p50 / p90
                    </th>
                    <th scope="col" class="num">
                      Change failure rate
                    </th>
                    <th scope="col" class="num">
                      Time to restore p50 / p90
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {dora.data.services.map((row) => (
                    <tr key={`${row.service}-${row.environment}`}>
                      <th scope="row">
                        <a href={href('service', row.service)}>{row.service}</a>
                      </th>
                      <td>{row.environment}</td>
                      <td class="num">{row.deployments}</td>
                      <td class="num">{row.deploymentFrequencyPerDay.toFixed(2)}</td>
                      <td class="num">{spread(row.leadTimeSeconds)}</td>
                      <td class="num">{percent(row.changeFailureRate)}</td>
                      <td class="num">{spread(row.timeToRestoreSeconds)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Section>
        </>
      )}
    </Page>
  );
}

function spread(p: Percentiles | null): string {
  return p ? `${duration(p.p50)} / ${duration(p.p90)}` : '—';
}

function Figures({ figures }: { figures: DoraFigures }) {
  const items = [
    { label: 'Deployment frequency', value: `${figures.deploymentFrequencyPerDay.toFixed(2)} / day`, note: `${figures.deployments} deployments` },
    { label: 'Lead time for changes', value: figures.leadTimeSeconds ? duration(figures.leadTimeSeconds.p50) : '—', note: figures.leadTimeSeconds ? `p90 ${duration(figures.leadTimeSeconds.p90)}` : 'nothing to measure' },
    { label: 'Change failure rate', value: percent(figures.changeFailureRate), note: 'failed or rolled back' },
    { label: 'Time to restore', value: figures.timeToRestoreSeconds ? duration(figures.timeToRestoreSeconds.p50) : '—', note: figures.timeToRestoreSeconds ? `p90 ${duration(figures.timeToRestoreSeconds.p90)}` : 'nothing to measure' },
  ];
  return (
    <dl class="figures">
      {items.map((item) => (
        <div class="card figure" key={item.label}>
          <dt>{item.label}</dt>
          <dd>
            <span class="figure-value">{item.value}</span>
            <span class="muted small">{item.note}</span>
          </dd>
        </div>
      ))}
    </dl>
  );
}
