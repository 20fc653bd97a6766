import { useState } from 'preact/hooks';
import { ApiError, api, unwrap } from '../api/client';
import type { Deployment, PromotionResult } from '../api/types';
import { Dialog } from '../ui/Dialog';

/**
 * Approve (an optional note) or reject (a reason is required) a manual promotion: posts the
 * promotion result, as `POST /api/deployments/{id}/promotions` does for any caller.
 */
export function ApprovalDialog({
  deployment,
  result,
  decision,
  onClose,
  onDone,
  focusAfter,
}: {
  deployment: Deployment;
  result: PromotionResult;
  decision: 'SUCCESS' | 'FAILED';
  onClose(): void;
  onDone(message: string): void;
  /** Where focus goes when the dialog closes (by default, the button that opened it). */
  focusAfter?: () => HTMLElement | null;
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const approving = decision === 'SUCCESS';
  const target = `${deployment.artifact.name} ${deployment.artifact.version} in ${deployment.environment}`;
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!approving && !reason.trim()) {
      setProblem('Say why you reject it: the reason is kept with the result.');
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await unwrap(
        api.POST('/api/deployments/{id}/promotions', {
          params: { path: { id: deployment.id } },
          body: { name: result.promotion, status: decision, ...(reason.trim() ? { reason } : {}) },
        }),
      );
      onDone(`${approving ? 'Approved' : 'Rejected'} ${result.promotion} for ${target}.`);
    } catch (error) {
      setProblem(error instanceof ApiError ? `${error.message} (${error.status} ${error.code})` : (error as Error).message);
      setBusy(false);
    }
  };
  return (
    <Dialog title={`${approving ? 'Approve' : 'Reject'} ${result.promotion}`} onClose={onClose} focusAfter={focusAfter}>
      <form onSubmit={submit} class="dialog-form">
        <p>
          {approving ? 'Approve' : 'Reject'} <strong>{target}</strong>
          {approving ? '? The deployment moves on once every promotion has passed.' : '? The deployment and its flow fail, and nothing moves on.'}
        </p>
        <label for="approval-reason">{approving ? 'Note (optional)' : 'Reason (required)'}</label>
        <textarea
          id="approval-reason"
          rows={3}
          value={reason}
          aria-required={approving ? undefined : 'true'}
          aria-invalid={problem !== null && !approving && !reason.trim() ? 'true' : undefined}
          aria-describedby={problem ? 'approval-problem' : undefined}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
        {problem ? (
          <p id="approval-problem" class="field-error" role="alert">
            {problem}
          </p>
        ) : null}
        <div class="dialog-buttons">
          <button type="button" class="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" class={`button ${approving ? 'button-approve' : 'button-primary button-danger'}`} disabled={busy}>
            {busy ? 'Sending…' : approving ? 'Approve' : 'Reject'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
