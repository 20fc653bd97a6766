import type { PromotionResult } from '../api/types';
import { ExternalLink } from '../ui/ExternalLink';
import { At } from '../ui/Time';

interface Approval {
  actor: string | null;
  at: string;
}

/** What a promotion's plugin found, shown by type: approvals, Jenkins builds, per-host probes. */
export function Evidence({ result }: { result: PromotionResult }) {
  const evidence = (result.evidence ?? null) as Record<string, unknown> | null;
  if (!evidence) return null;
  if (Array.isArray(evidence.approvals) || evidence.rejectedBy) return <Approvals evidence={evidence} />;
  if (Array.isArray(evidence.jobs)) return <JenkinsJobs evidence={evidence} />;
  if (Array.isArray(evidence.hosts)) return <Probes evidence={evidence} />;
  return (
    <details class="evidence-raw">
      <summary>Evidence</summary>
      <pre>{JSON.stringify(evidence, null, 2)}</pre>
    </details>
  );
}

function Approvals({ evidence }: { evidence: Record<string, unknown> }) {
  const approvals = (evidence.approvals ?? []) as Approval[];
  const required = typeof evidence.required === 'number' ? evidence.required : null;
  const rejected = evidence.rejectedBy as (Approval & { reason: string | null }) | undefined;
  return (
    <div class="evidence">
      {required !== null ? (
        <p class="muted">
          {approvals.length} of {required} approval{required === 1 ? '' : 's'}
        </p>
      ) : null}
      {approvals.length > 0 || rejected ? (
        <ul class="plain evidence-list">
          {approvals.map((a) => (
            <li key={`${a.actor}-${a.at}`}>
              Approved by <strong>{a.actor ?? 'anonymous'}</strong> at <At iso={a.at} />
            </li>
          ))}
          {rejected ? (
            <li class="rejected">
              Rejected by <strong>{rejected.actor ?? 'anonymous'}</strong> at <At iso={rejected.at} />
              {rejected.reason ? <>: “{rejected.reason}”</> : null}
            </li>
          ) : null}
        </ul>
      ) : null}
    </div>
  );
}

interface JenkinsJob {
  job: string;
  buildUrl: string | null;
  result: string | null;
  error: string | null;
}

function JenkinsJobs({ evidence }: { evidence: Record<string, unknown> }) {
  const jobs = evidence.jobs as JenkinsJob[];
  return (
    <div class="evidence scroll-x">
      {evidence.unreachableSince ? (
        <p class="field-error">
          Jenkins has not answered since <At iso={String(evidence.unreachableSince)} />
        </p>
      ) : null}
      <table class="table compact-table">
        <thead>
          <tr>
            <th scope="col">Jenkins job</th>
            <th scope="col">Result</th>
            <th scope="col">Build</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.job}>
              <td>{job.job}</td>
              <td>{job.result ?? (job.error ? <span class="text-fail">{job.error}</span> : 'running')}</td>
              <td>{job.buildUrl ? <ExternalLink url={job.buildUrl} /> : <span class="muted">not started</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface Probe {
  url: string;
  status: number | null;
  error: string | null;
  ms: number;
}

function Probes({ evidence }: { evidence: Record<string, unknown> }) {
  const hosts = evidence.hosts as Probe[];
  return (
    <div class="evidence scroll-x">
      {typeof evidence.attempts === 'number' ? <p class="muted">Round {evidence.attempts} of probes</p> : null}
      <table class="table compact-table">
        <thead>
          <tr>
            <th scope="col">Probe</th>
            <th scope="col">Answer</th>
            <th scope="col" class="num">
              Time
            </th>
          </tr>
        </thead>
        <tbody>
          {hosts.map((probe) => (
            <tr key={probe.url}>
              <td>{probe.url}</td>
              <td class={probe.error ? 'text-fail' : 'text-pass'}>
                {probe.status ?? 'no answer'}
                {probe.error ? ` (${probe.error})` : ''}
              </td>
              <td class="num">{Math.round(probe.ms)} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
