// The world the read benchmarks are seeded with: several services released through one
// pipeline of four environments, with manual sign-offs on the way. DeployDB runs with this
// configuration, and the floor answers for the same services and environments.

export const GROUP = 'com.bench';

/** Service keys in configuration order; each lists the module `com.bench:<key>`. */
export const SERVICES = ['billing', 'checkout', 'search', 'catalog', 'accounts', 'notifications', 'reports', 'gateway'];

/**
 * Whose history each block of a round holds, block after block: billing releases most (a third of
 * all deployments), checkout twice as often as the rest, the others in turn.
 */
export const ROTATION = ['billing', 'checkout', 'search', 'billing', 'catalog', 'accounts', 'billing', 'notifications', 'checkout', 'billing', 'reports', 'gateway'];

export const PIPELINE = 'release';

/** The pipeline's environments in order, each with the promotions a deployment there must pass. */
export const STAGES = [
  { environment: 'dev', promotions: [] },
  { environment: 'integ', promotions: ['qa-signoff'] },
  { environment: 'preprod', promotions: ['release-approval'] },
  { environment: 'prod', promotions: [] },
];

export const ENVIRONMENTS = STAGES.map((s) => s.environment);

const title = (key) => key[0].toUpperCase() + key.slice(1);

/** deploydb.yaml for DeployDB in the read benchmarks. */
export const READS_CONFIG = `plugins:
  - package: "@deploydb/promotion-manual"
environments:
${ENVIRONMENTS.map((e) => `  ${e}: { description: "${title(e)}" }`).join('\n')}
promotions:
  qa-signoff: { type: manual }
  release-approval: { type: manual }
pipelines:
  ${PIPELINE}:
    environments:
${STAGES.map((s) => (s.promotions.length ? `      - { name: ${s.environment}, promotions: [${s.promotions.join(', ')}] }` : `      - ${s.environment}`)).join('\n')}
services:
${SERVICES.map((s) => `  ${s}: { name: "${title(s)}", artifacts: ["${GROUP}:${s}"], pipelines: [${PIPELINE}] }`).join('\n')}
`;
