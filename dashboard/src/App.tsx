import { useState } from 'preact/hooks';
import { caller, can, session, signIn, signOut } from './session';
import { streamState } from './live';
import { route } from './router';
import { Icon } from './ui/Icon';
import { MatrixPage } from './pages/MatrixPage';
import { ServicePage } from './pages/ServicePage';
import { ArtifactPage } from './pages/ArtifactPage';
import { DeploymentPage } from './pages/DeploymentPage';
import { FlowsPage } from './pages/FlowsPage';
import { DiffPage } from './pages/DiffPage';
import { DoraPage } from './pages/DoraPage';
import { DeliveriesPage } from './pages/DeliveriesPage';
import { AuditPage } from './pages/AuditPage';
import { Page } from './ui/Page';

const NAV = [
  { page: '', label: 'Matrix' },
  { page: 'flows', label: 'Flows' },
  { page: 'diff', label: 'Diff' },
  { page: 'dora', label: 'DORA' },
  { page: 'deliveries', label: 'Deliveries', admin: true },
  { page: 'audit', label: 'Audit', admin: true },
];

export function App() {
  const state = session.value;
  if (state.kind === 'checking') return <p class="loading boot">Connecting to DeployDB…</p>;
  if (state.kind === 'signedOut') return <SignIn problem={state.problem} />;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.querySelector<HTMLElement>('main h1')?.focus())}>
        Skip to content
      </a>
      <TopBar authEnabled={state.authEnabled} />
      <main id="main">
        <CurrentPage />
      </main>
    </>
  );
}

function TopBar({ authEnabled }: { authEnabled: boolean }) {
  const current = route.value.page;
  // Detail pages belong to no section of the menu.
  const section = ['service', 'artifact', 'deployment'].includes(current) ? null : current;
  const live = streamState.value;
  return (
    <header class="topbar">
      <a class="brand" href="#/">
        DeployDB
      </a>
      <nav aria-label="Main">
        <ul>
          {NAV.filter((item) => !item.admin || can('admin')).map((item) => (
            <li key={item.page}>
              <a href={`#/${item.page}`} aria-current={section === item.page ? 'page' : undefined}>
                {item.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="topbar-end">
        <span class={`live live-${live}`} title={live === 'live' ? 'Updates arrive as they happen' : 'The live event stream is not connected: the page reads again every few seconds'}>
          <span class="live-dot" aria-hidden="true" />
          {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting' : 'Polling'}
        </span>
        {authEnabled ? (
          <>
            <span class="who">
              {caller.value?.name} <span class="muted">({roleSummary(caller.value?.roles ?? [])})</span>
            </span>
            <button type="button" class="button button-quiet" onClick={signOut}>
              Sign out
            </button>
          </>
        ) : null}
      </div>
    </header>
  );
}

function roleSummary(roles: readonly string[]): string {
  if (roles.includes('admin')) return 'admin';
  return roles.filter((r) => r !== 'read').join(', ') || 'read';
}

function CurrentPage() {
  const { page, args } = route.value;
  const key = `${page}/${args.join('/')}`;
  switch (page) {
    case '':
      return <MatrixPage key={key} />;
    case 'service':
      return <ServicePage key={key} name={args[0] ?? ''} />;
    case 'artifact':
      return <ArtifactPage key={key} id={Number(args[0])} />;
    case 'deployment':
      return <DeploymentPage key={key} id={Number(args[0])} />;
    case 'flows':
      return <FlowsPage key={key} />;
    case 'diff':
      return <DiffPage key={key} />;
    case 'dora':
      return <DoraPage key={key} />;
    case 'deliveries':
      return can('admin') ? <DeliveriesPage key={key} /> : <AdminOnly key={key} what="Webhook deliveries" />;
    case 'audit':
      return can('admin') ? <AuditPage key={key} /> : <AdminOnly key={key} what="The audit trail" />;
    default:
      return (
        <Page key={key} title="Not found">
          <p>
            There is no page here. <a href="#/">Back to the matrix</a>.
          </p>
        </Page>
      );
  }
}

function AdminOnly({ what }: { what: string }) {
  return (
    <Page title="Admin only">
      <p>{what} can only be seen with a token that has the admin role.</p>
    </Page>
  );
}

function SignIn({ problem }: { problem: string | null }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <main id="main" class="signin">
      <form
        class="card signin-card"
        onSubmit={async (event) => {
          event.preventDefault();
          if (!token.trim()) return;
          setBusy(true);
          await signIn(token.trim());
          setBusy(false);
        }}
      >
        <h1>DeployDB</h1>
        <p class="signin-intro">This DeployDB asks for a token. It is kept for this browser tab only, and forgotten when the tab closes.</p>
        <label for="token">API token</label>
        <input id="token" type="password" autoComplete="current-password" value={token} onInput={(e) => setToken(e.currentTarget.value)} required autoFocus />
        {problem ? (
          <p class="field-error" role="alert">
            <Icon name="fail" /> {problem}
          </p>
        ) : null}
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
