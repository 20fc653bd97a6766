import type { CloudEvent, Deployment } from '@deploydb/core';

/** The body of an incoming-webhook post: `text` is what every Slack-compatible chat shows. */
export interface ChatMessage {
  text: string;
}

/**
 * What to post for a deployment event, or null for an event this plugin does not announce.
 * `deployment.completed`: the version now runs there; `deployment.failed`: it does not, and why.
 */
export function messageFor(event: CloudEvent): ChatMessage | null {
  const deployment = event.data as Deployment;
  const { artifact, environment, service } = deployment;
  const what = `${artifact.group}:${artifact.name} ${artifact.version}`;
  const how = deployment.kind === 'flow' ? '' : ` (${deployment.kind})`;
  switch (event.type) {
    case 'deploydb.deployment.completed':
      return { text: `:white_check_mark: ${service}: ${what} deployed to ${environment}${how}` };
    case 'deploydb.deployment.failed':
      return { text: `:x: ${service}: ${what} failed in ${environment}${how}${deployment.reason ? `: ${deployment.reason}` : ''}` };
    default:
      return null;
  }
}
