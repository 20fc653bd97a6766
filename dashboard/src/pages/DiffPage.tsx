import { api, unwrap } from '../api/client';
import type { DiffItem } from '../api/types';
import { loadConfiguration } from '../data';
import { href, replaceQuery, route } from '../router';
import { Empty, ErrorNotice, Loading } from '../ui/Notice';
import { Page } from '../ui/Page';
import { useQuery } from '../useQuery';

function loadDiff(a: string, b: string): Promise<DiffItem[]> {
  return unwrap(api.GET('/api/environments/{a}/diff/{b}', { params: { path: { a, b } } }));
}

/** Two environments side by side: which services run the same artifact, which differ. */
export function DiffPage() {
  const config = useQuery(loadConfiguration, []);
  const environments = config.data?.environments.map((e) => e.key) ?? [];
  const query = route.value.query;
  const a = query.get('a') ?? environments.at(-2) ?? '';
  const b = query.get('b') ?? environments.at(-1) ?? '';
  return (
    <Page kicker="Environment diff" title={a && b ? `${a} compared with ${b}` : 'Compare two environments'}>
      {config.error ? <ErrorNotice error={config.error} what="the environments" /> : null}
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Environments to compare">
        <EnvironmentSelect id="diff-a" label="Environment A" value={a} options={environments} onChange={(v) => replaceQuery({ a: v, b })} />
        <button type="button" class="button button-quiet swap" onClick={() => replaceQuery({ a: b, b: a })} aria-label="Swap A and B">
          ⇄ Swap
        </button>
        <EnvironmentSelect id="diff-b" label="Environment B" value={b} options={environments} onChange={(v) => replaceQuery({ a, b: v })} />
      </form>
      {a && b ? <DiffTable a={a} b={b} /> : config.data ? <Empty>Configure at least two environments to compare them.</Empty> : <Loading what="the environments" />}
    </Page>
  );
}

function EnvironmentSelect({ id, label, value, options, onChange }: { id: string; label: string; value: string; options: string[]; onChange(value: string): void }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map((env) => (
          <option key={env} value={env}>
            {env}
          </option>
        ))}
      </select>
    </div>
  );
}

function Side({ side }: { side: DiffItem['a'] }) {
  if (!side) return <span class="muted">nothing</span>;
  return (
    <a class="version" href={href('deployment', side.deploymentId)}>
      {side.artifact.name} {side.artifact.version}
    </a>
  );
}

function DiffTable({ a, b }: { a: string; b: string }) {
  const diff = useQuery(() => loadDiff(a, b), [a, b]);
  if (diff.error && !diff.data) return <ErrorNotice error={diff.error} what="the diff" />;
  if (!diff.data) return <Loading what="the diff" />;
  if (diff.data.length === 0) return <Empty>No service runs in {a} or {b}.</Empty>;
  const differing = diff.data.filter((item) => !item.same).length;
  return (
    <>
      <p class="summary">
        <strong>{differing}</strong> of {diff.data.length} services differ
      </p>
      <div class="scroll-x">
        <table class="table diff">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">{a}</th>
              <th scope="col">{b}</th>
              <th scope="col">Same?</th>
            </tr>
          </thead>
          <tbody>
            {diff.data.map((item) => (
              <tr key={item.service} class={item.same ? '' : 'differs'}>
                <th scope="row">
                  <a href={href('service', item.service)}>{item.service}</a>
                </th>
                <td>
                  <Side side={item.a} />
                </td>
                <td>
                  <Side side={item.b} />
                </td>
                <td>{item.same ? <span class="mark tone-pass compact">same</span> : <span class="mark tone-waiting compact">differs</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
