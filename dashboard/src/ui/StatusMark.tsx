import type { Deployment, DeploymentStatus, FlowStatus, PromotionStatus } from '../api/types';
import { Icon, type IconName } from './Icon';

/** Every status reads as a word and a shape as well as a colour. */
interface Mark {
  tone: 'pass' | 'fail' | 'running' | 'waiting' | 'idle';
  icon: IconName;
  label: string;
}

const DEPLOYMENT: Record<DeploymentStatus, Mark> = {
  CREATED: { tone: 'waiting', icon: 'waiting', label: 'waiting' },
  STARTED: { tone: 'running', icon: 'running', label: 'deploying' },
  COMPLETED: { tone: 'pass', icon: 'pass', label: 'deployed' },
  VERIFIED: { tone: 'pass', icon: 'pass', label: 'verified' },
  FAILED: { tone: 'fail', icon: 'fail', label: 'failed' },
};

const PROMOTION: Record<PromotionStatus, Mark> = {
  NOT_STARTED: { tone: 'idle', icon: 'idle', label: 'not started' },
  STARTED: { tone: 'waiting', icon: 'waiting', label: 'waiting' },
  SUCCESS: { tone: 'pass', icon: 'pass', label: 'passed' },
  FAILED: { tone: 'fail', icon: 'fail', label: 'failed' },
};

const FLOW: Record<FlowStatus, Mark> = {
  RUNNING: { tone: 'running', icon: 'running', label: 'running' },
  SUCCESS: { tone: 'pass', icon: 'pass', label: 'succeeded' },
  FAILED: { tone: 'fail', icon: 'fail', label: 'failed' },
};

/** A deployment's mark: a COMPLETED one whose promotions are still being checked is "verifying". */
export function deploymentMark(deployment: Pick<Deployment, 'status' | 'promotions'>): Mark {
  if (deployment.status === 'COMPLETED' && deployment.promotions.some((p) => p.status !== 'SUCCESS')) {
    return { tone: 'running', icon: 'running', label: 'verifying' };
  }
  return DEPLOYMENT[deployment.status];
}

function Badge({ mark, compact }: { mark: Mark; compact?: boolean }) {
  return (
    <span class={`mark tone-${mark.tone}${compact ? ' compact' : ''}`}>
      <Icon name={mark.icon} />
      <span class="mark-label">{mark.label}</span>
    </span>
  );
}

export function DeploymentMark({ deployment, compact }: { deployment: Pick<Deployment, 'status' | 'promotions'>; compact?: boolean }) {
  return <Badge mark={deploymentMark(deployment)} compact={compact} />;
}

/** A status as reported, in its own word (for histories, where "waiting" would misread CREATED). */
export function DeploymentStatusMark({ status }: { status: DeploymentStatus }) {
  return <Badge mark={{ ...DEPLOYMENT[status], label: status.toLowerCase() }} />;
}

export function PromotionMark({ status }: { status: PromotionStatus }) {
  return <Badge mark={PROMOTION[status]} />;
}

export function FlowMark({ status }: { status: FlowStatus }) {
  return <Badge mark={FLOW[status]} />;
}

/** An environment a flow has not reached: its promotions are still ahead. */
export function NotReachedMark() {
  return <Badge mark={{ tone: 'idle', icon: 'idle', label: 'not reached' }} />;
}
