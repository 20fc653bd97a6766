import type { DeploymentKind } from '../api/types';

/** Marks a deployment made outside a flow (a rollback, a hotfix, by hand); a flow's needs none. */
export function KindBadge({ kind }: { kind: DeploymentKind }) {
  return kind === 'flow' ? null : <span class={`kind kind-${kind}`}>{kind}</span>;
}
