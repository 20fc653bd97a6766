import { useRef, useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import type { Deployment, DeploymentStatus, HistoryEntry, PromotionConfig, PromotionResult } from '../api/types';
import { deployment as loadDeployment, loadConfiguration } from '../data';
import { recentEvents } from '../live';
import { href } from '../router';
import { mayApprove } from '../session';
import { ExternalLink } from '../ui/ExternalLink';
import { Empty, ErrorNotice, Loading } from '../ui/Notice';
import { Page, Section } from '../ui/Page';
import { DeploymentMark, DeploymentStatusMark, PromotionMark } from '../ui/StatusMark';
import { Ago, At } from '../ui/Time';
import { useQuery } from '../useQuery';
import { ApprovalDialog } from './ApprovalDialog';
import { ArtifactFacts } from './ArtifactFacts';
import { Evidence } from './Evidence';

/** How far back the page looks in an environment's history for when this deployment became current. */
const HISTORY_LOOKUP = 200;

async function loadPage(id: number) {
  const [deployment, config] = await Promise.all([loadDeployment(id), loadConfiguration()]);
  const becameCurrent = await whenCurrent(deployment).catch(() => null);
  return { deployment, promotions: new Map(config.promotions.map((p) => [p.key, p])), becameCurrent };
}

/** When the deployment became current, from the environment's history (CONTRACT §11), if it did. */
async function whenCurrent(deployment: Deployment): Promise<HistoryEntry | null> {
  if (!['COMPLETED', 'VERIFIED', 'FAILED'].includes(deployment.status)) return null;
  const page = await unwrap(
    api.GET('/api/services/{name}/environments/{env}/history', {
      params: { path: { name: deployment.service, env: deployment.environment }, query: { limit: HISTORY_LOOKUP } },
    }),
  );
  return page.items.find((entry) => entry.deploymentId === deployment.id) ?? null;
}

interface Step {
  status: DeploymentStatus | 'CURRENT_UNTIL';
  at: string;
  note?: string;
}

/**
 * The deployment's statuses with their times, from what the API keeps (created, reported
 * COMPLETED per the history, its status now) and from live events seen while the page is open.
 */
function statusSteps(deployment: Deployment, becameCurrent: HistoryEntry | null): Step[] {
  const steps: Step[] = [{ status: 'CREATED', at: deployment.createdAt }];
  if (becameCurrent) steps.push({ status: 'COMPLETED', at: becameCurrent.from, note: 'became current here' });
  for (const event of recentEvents.value) {
    if (event.subject !== `deployments/${deployment.id}` || !event.type.startsWith('deploydb.deployment.')) continue;
    const status = event.type.slice('deploydb.deployment.'.length).toUpperCase() as DeploymentStatus;
    steps.push({ status, at: event.time });
  }
  if (deployment.status !== 'CREATED') steps.push({ status: deployment.status, at: deployment.statusAt });
  if (becameCurrent?.to) steps.push({ status: 'CURRENT_UNTIL', at: becameCurrent.to, note: 'replaced by a later deployment' });
  const seen = new Set<string>();
  return steps.filter((s) => !seen.has(s.status) && seen.add(s.status)).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

export function DeploymentPage({ id }: { id: number }) {
  const page = useQuery(() => loadPage(id), [id]);
  const [dialog, setDialog] = useState<{ result: PromotionResult; decision: 'SUCCESS' | 'FAILED' } | null>(null);
  const [announcement, setAnnouncement] = useState('');
  // Once a decision is sent, its buttons go with the next refresh: focus moves to the promotion's
  // heading, which stays, rather than falling back to the top of the page.
  const decided = useRef(false);
  if (!Number.isInteger(id) || id < 1) return <Page title="Not found">There is no deployment with this id.</Page>;
  const data = page.data;
  if (!data) {
    return <Page title={`Deployment ${id}`}>{page.error ? <ErrorNotice error={page.error} what={`deployment ${id}`} /> : <Loading what="the deployment" />}</Page>;
  }
  const { deployment } = data;
  return (
    <Page
      kicker={
        <>
          <a href={href('service', deployment.service)}>{deployment.service}</a> · {deployment.environment} · deployment {deployment.id}
        </>
      }
      title={`${deployment.artifact.name} ${deployment.artifact.version} in ${deployment.environment}`}
      actions={<DeploymentMark deployment={deployment} />}
    >
      {page.error ? <ErrorNotice error={page.error} what="the latest state" /> : null}
      <p class="status-line" role="status">
        {announcement}
      </p>
      <div class="grid-2">
        <Section title="Artifact">
          <ArtifactFacts artifact={deployment.artifact} />
        </Section>
        <Section title="Deployment">
          <dl class="facts">
            <dt>Service</dt>
            <dd>
              <a href={href('service', deployment.service)}>{deployment.service}</a>
            </dd>
            <dt>Environment</dt>
            <dd>{deployment.environment}</dd>
            <dt>Kind</dt>
            <dd>{deployment.kind}</dd>
            {deployment.flowId ? (
              <>
                <dt>Flow</dt>
                <dd>
                  <a href={href('artifact', deployment.artifact.id)}>
                    flow {deployment.flowId}, pipeline {deployment.pipeline}
                  </a>
                </dd>
              </>
            ) : null}
            {deployment.reason ? (
              <>
                <dt>Reason</dt>
                <dd>{deployment.reason}</dd>
              </>
            ) : null}
          </dl>
        </Section>
      </div>
      <Section title="Status history">
        <ol class="timeline">
          {statusSteps(deployment, data.becameCurrent).map((step) => (
            <li key={step.status}>
              {step.status === 'CURRENT_UNTIL' ? <span class="mark tone-idle">no longer current</span> : <DeploymentStatusMark status={step.status} />}
              <At iso={step.at} /> <span class="muted">(<Ago iso={step.at} />)</span>
              {step.note ? <span class="muted"> · {step.note}</span> : null}
            </li>
          ))}
        </ol>
      </Section>
      <Section title="Promotions">
        {deployment.promotions.length === 0 ? (
          <Empty>{deployment.kind !== 'flow' ? 'A direct deployment passes no promotions.' : 'No promotions apply here: a completed deployment is verified at once.'}</Empty>
        ) : (
          <ul class="plain promotions">
            {deployment.promotions.map((result) => (
              <PromotionCard
                key={result.id}
                deployment={deployment}
                result={result}
                config={data.promotions.get(result.promotion)}
                onDecide={(decision) => {
                  decided.current = false;
                  setDialog({ result, decision });
                }}
              />
            ))}
          </ul>
        )}
      </Section>
      {dialog ? (
        <ApprovalDialog
          deployment={deployment}
          result={dialog.result}
          decision={dialog.decision}
          onClose={() => setDialog(null)}
          focusAfter={() => (decided.current ? document.getElementById(promotionHeadingId(dialog.result.id)) : null)}
          onDone={(message) => {
            decided.current = true;
            setDialog(null);
            setAnnouncement(message);
          }}
        />
      ) : null}
    </Page>
  );
}

function PromotionCard({
  deployment,
  result,
  config,
  onDecide,
}: {
  deployment: Deployment;
  result: PromotionResult;
  config: PromotionConfig | undefined;
  onDecide(decision: 'SUCCESS' | 'FAILED'): void;
}) {
  const awaitingApproval = result.type === 'manual' && result.status === 'STARTED' && deployment.status === 'COMPLETED';
  const decidable = awaitingApproval && mayApprove(config);
  const approvers = Array.isArray(config?.approvers) ? (config.approvers as string[]) : null;
  return (
    <li class="card promotion">
      <div class="promotion-head">
        <h3 id={promotionHeadingId(result.id)} tabIndex={-1}>
          {result.promotion} <span class="muted type">{result.type}</span>
        </h3>
        <PromotionMark status={result.status} />
      </div>
      <p class="muted small">
        {result.status === 'NOT_STARTED' ? 'Starts when the deployment is reported completed.' : <>Last change <Ago iso={result.updatedAt} /></>}
        {result.actor ? <> · by {result.actor}</> : null}
        {result.nextEvaluationAt ? (
          <>
            {' · '}checked again at <At iso={result.nextEvaluationAt} />
          </>
        ) : null}
        {result.infoUrl ? (
          <>
            {' · '}
            <ExternalLink url={result.infoUrl}>details</ExternalLink>
          </>
        ) : null}
      </p>
      {result.reason ? <p class={result.status === 'FAILED' ? 'text-fail' : ''}>{result.reason}</p> : null}
      <Evidence result={result} />
      {awaitingApproval && !decidable ? (
        <p class="muted small">Waiting for {approvers ? `an approval by ${approvers.join(' or ')}` : 'an approver'} (or an admin).</p>
      ) : null}
      {decidable ? (
        <div class="promotion-actions">
          <button type="button" class="button button-approve" onClick={() => onDecide('SUCCESS')}>
            Approve
          </button>
          <button type="button" class="button button-danger" onClick={() => onDecide('FAILED')}>
            Reject…
          </button>
        </div>
      ) : null}
    </li>
  );
}

function promotionHeadingId(resultId: number): string {
  return `promotion-${resultId}`;
}
