import type { DeploymentView } from './apiShapes.js';
import { coordinates, when } from './format.js';
import type { Output } from './output.js';

/** A deployment as label and value lines: what a command that changed one prints. */
export function printDeployment(out: Output, deployment: DeploymentView): void {
  out.fields([
    ['deployment', String(deployment.id)],
    ['artifact', coordinates(deployment.artifact)],
    ['service', deployment.service],
    ['environment', deployment.environment],
    ['kind', deployment.kind ?? 'flow'],
    ['status', `${out.status(deployment.status)}  since ${when(deployment.statusAt ?? deployment.updatedAt)}`],
    ...(deployment.reason ? [['reason', deployment.reason] as const] : []),
    ...(deployment.promotions.length > 0
      ? [['promotions', deployment.promotions.map((p) => `${p.promotion} ${out.status(p.status)}`).join(', ')] as const]
      : []),
  ]);
}
