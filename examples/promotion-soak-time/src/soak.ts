import type { Deployment, EvaluationContext, Verdict } from '@deploydb/core';
import type { CurrentDeploymentLookup } from './currentDeployment.js';
import type { SoakSettings } from './schema.js';

/** Kept on the result between evaluations: the instant the soak counts from. */
export interface SoakState {
  completedAt: string;
}

/** What a SoakTime result's `evidence` shows (a type alias: evidence must be a plain record). */
export type SoakEvidence = {
  /** When the deployment became COMPLETED: the soak counts from here. */
  completedAt: string;
  /** When the soak ends. */
  passesAt: string;
  seconds: number;
  /** False when evaluated without a way to look the current deployment up (`evaluateSoak(context, null)`). */
  replacementChecked: boolean;
  /** The deployment that took this one's place before the soak ended, when one did. */
  replacedBy?: { deploymentId: number; artifact: string; status: string; createdAt: string; updatedAt: string };
};

/**
 * Evaluates one SoakTime result. The deployment passes once `seconds` have elapsed since it
 * became COMPLETED; meanwhile the answer is PENDING with `checkAgainIn` = the seconds left, so the
 * kernel asks again exactly when the soak should be over. It fails as soon as `lookup` shows that a
 * newer deployment of the same service became current in the same environment before the soak
 * ended. Without a `lookup` only the time is checked.
 *
 * Reads nothing but the context and the lookup and changes nothing, so evaluating a result again
 * (after a restart, or by another DeployDB instance) gives the same answer at the same time.
 */
export async function evaluateSoak(context: EvaluationContext<SoakSettings>, lookup: CurrentDeploymentLookup | null): Promise<Verdict> {
  const { deployment, settings, clock, signal } = context;
  if (deployment.status !== 'COMPLETED') {
    // The kernel only asks about results of COMPLETED deployments; anything else is a race with a
    // deployment that failed meanwhile, and the kernel drops this answer then.
    return { status: 'FAILED', reason: `deployment ${deployment.id} is ${deployment.status}; a soak counts from COMPLETED` };
  }
  const completedAt = soakStart(context);
  const passesAt = new Date(completedAt.getTime() + settings.seconds * 1000);
  const evidence: SoakEvidence = {
    completedAt: completedAt.toISOString(),
    passesAt: passesAt.toISOString(),
    seconds: settings.seconds,
    replacementChecked: lookup !== null,
  };

  if (lookup) {
    const current = await lookup({ service: deployment.service, environment: deployment.environment }, signal);
    if (current && replacedBefore(current, deployment, passesAt)) {
      const artifact = `${current.artifact.group}:${current.artifact.name}:${current.artifact.version}`;
      return {
        status: 'FAILED',
        reason: `replaced in ${deployment.environment} by deployment ${current.id} (${artifact}) before its ${settings.seconds} s soak time ended`,
        evidence: {
          ...evidence,
          replacedBy: { deploymentId: current.id, artifact, status: current.status, createdAt: current.createdAt, updatedAt: current.updatedAt },
        },
      };
    }
  }

  const remainingMs = passesAt.getTime() - clock.now().getTime();
  if (remainingMs <= 0) return { status: 'SUCCESS', evidence };
  const state: SoakState = { completedAt: evidence.completedAt };
  // Rounded up: asked again a little late rather than a little early, which would cost a round.
  return { status: 'PENDING', checkAgainIn: Math.ceil(remainingMs / 1000), reason: `soaking until ${evidence.passesAt}`, state, evidence };
}

/**
 * When the deployment became COMPLETED. The deployment view has no field saying so, but its
 * `updatedAt` is the time of its last status change, and while it is COMPLETED that change was
 * COMPLETED. (Not the result's `updatedAt`: it moves on every PENDING answer, and the soak would
 * never end. Not `createdAt`: a deployment may be created hours before it is deployed.) The first
 * evaluation keeps that instant in the result's state, and later ones count from the kept value,
 * so the soak's end cannot move.
 */
function soakStart({ state, deployment }: EvaluationContext<SoakSettings>): Date {
  if (isSoakState(state)) return new Date(state.completedAt);
  return new Date(deployment.updatedAt);
}

function isSoakState(value: unknown): value is SoakState {
  return typeof value === 'object' && value !== null && typeof (value as SoakState).completedAt === 'string' && !Number.isNaN(Date.parse((value as SoakState).completedAt));
}

/**
 * Whether `current` (the service's current deployment in the environment) is a newer deployment
 * that took `ours`'s place before `passesAt`. Ids grow with time, so a newer deployment has a
 * greater id. A COMPLETED one became current at its `updatedAt`; a VERIFIED one's `updatedAt` is
 * when it was verified, later than when it was deployed, so its `createdAt` is used: the earliest
 * it can have been deployed, which errs towards failing the soak.
 */
function replacedBefore(current: Deployment, ours: Deployment, passesAt: Date): boolean {
  if (current.id <= ours.id) return false;
  const since = current.status === 'COMPLETED' ? current.updatedAt : current.createdAt;
  return Date.parse(since) < passesAt.getTime();
}
