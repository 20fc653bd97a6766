import { useEffect, useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import type { AuditEntry } from '../api/types';
import { href, replaceQuery, route } from '../router';
import { Empty, ErrorNotice, Loading } from '../ui/Notice';
import { Page } from '../ui/Page';
import { At } from '../ui/Time';
import { useQuery } from '../useQuery';

const ACTIONS: ReadonlyArray<AuditEntry['action']> = [
  'artifact.register',
  'deployment.report',
  'deployment.record',
  'deployment.rollback',
  'promotion.report',
  'trigger',
  'webhook.retry',
  'config.reload',
  'auth.denied',
];

/** Every write and every refused call (admin), newest first (CONTRACT §15). */
export function AuditPage() {
  const query = route.value.query;
  const actor = query.get('actor') || undefined;
  const action = ACTIONS.find((a) => a === query.get('action'));
  const [pages, setPages] = useState(1);
  // Other filters start again from the newest page.
  useEffect(() => setPages(1), [actor, action]);
  const audit = useQuery(async () => {
    const items: AuditEntry[] = [];
    let cursor: string | undefined;
    let more = false;
    for (let i = 0; i < pages; i++) {
      const page = await unwrap(api.GET('/api/audit', { params: { query: { actor, action, limit: 100, cursor } } }));
      items.push(...page.items);
      more = page.nextCursor !== null;
      if (!more) break;
      cursor = page.nextCursor!;
    }
    return { items, more };
  }, [actor, action, pages]);
  const [actorInput, setActorInput] = useState(actor ?? '');
  return (
    <Page kicker="Audit" title="Who changed what">
      <form
        class="filters"
        aria-label="Filter the audit trail"
        onSubmit={(e) => {
          e.preventDefault();
          replaceQuery({ actor: actorInput.trim(), action });
        }}
      >
        <div class="field">
          <label for="audit-actor">Actor</label>
          <input id="audit-actor" value={actorInput} onInput={(e) => setActorInput(e.currentTarget.value)} placeholder="token name" />
        </div>
        <div class="field">
          <label for="audit-action">Action</label>
          <select id="audit-action" value={action ?? ''} onChange={(e) => replaceQuery({ actor, action: e.currentTarget.value })}>
            <option value="">Any action</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="button">
          Filter
        </button>
      </form>
      {audit.error && !audit.data ? <ErrorNotice error={audit.error} what="the audit trail" /> : null}
      {!audit.data ? (
        audit.error ? null : <Loading what="the audit trail" />
      ) : audit.data.items.length === 0 ? (
        <Empty>Nothing recorded matches.</Empty>
      ) : (
        <>
          <div class="scroll-x">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col" class="num">
                    Outcome
                  </th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {audit.data.items.map((entry) => (
                  <tr key={entry.id}>
                    <td class="nowrap">
                      <At iso={entry.at} />
                    </td>
                    <td>{entry.actor ?? <span class="muted">anonymous</span>}</td>
                    <td class="mono">{entry.action}</td>
                    <td>
                      <Target target={entry.target} />
                    </td>
                    <td class={`num ${entry.outcome >= 400 ? 'text-fail' : ''}`}>{entry.outcome}</td>
                    <td class="break small">{detailText(entry.detail)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {audit.data.more ? (
            <button type="button" class="button" onClick={() => setPages(pages + 1)}>
              Show older
            </button>
          ) : null}
        </>
      )}
    </Page>
  );
}

/** `deployments/12` and `artifacts/3` link to their pages. */
function Target({ target }: { target: string | null }) {
  if (!target) return <span class="muted">—</span>;
  const match = /^(deployments|artifacts)\/(\d+)/.exec(target);
  if (!match) return <span class="mono">{target}</span>;
  return (
    <a class="mono" href={href(match[1] === 'deployments' ? 'deployment' : 'artifact', match[2]!)}>
      {target}
    </a>
  );
}

/** `status COMPLETED · promotion qa-sign-off`: an entry's details as words, nested values as JSON. */
function detailText(detail: unknown): string {
  if (detail === null || detail === undefined) return '';
  if (typeof detail !== 'object') return String(detail);
  const text = Object.entries(detail as Record<string, unknown>)
    .map(([key, value]) => `${key} ${value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' · ');
  return text.length > 240 ? `${text.slice(0, 240)}…` : text;
}
