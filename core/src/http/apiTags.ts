/**
 * The groups of operations in /openapi.json, in the order a reader meets them. A route names
 * one of these; generated clients usually make one class per tag.
 */
export const API_TAGS = {
  artifacts: 'Builds registered by CI; registering one starts a flow per service and pipeline that take its module.',
  deployments: 'One artifact in one environment: the deployer reports its progress, promotions decide when it moves on; deployments outside any flow are recorded here too.',
  flows: 'One artifact travelling one pipeline of one service, with its deployments.',
  triggers: 'The same reports as CloudEvents, addressing deployments by service, environment and artifact instead of by id (also accepted on the bus; see /asyncapi.json).',
  placements: 'What runs where, now and at any past moment (?at=): per environment, per service, the history of what was current, the difference between two environments, and rollback.',
  metrics: 'DORA figures (deployment frequency, lead time, change failure rate, time to restore) computed from the ledger.',
  configuration: 'Environments, services, pipelines and promotions as loaded from deploydb.yaml, in file order.',
  events: 'Every outbound event as it happens, as Server-Sent Events (the same CloudEvents as on the bus, see /asyncapi.json).',
  webhooks: 'Outbound webhook deliveries: their state, and sending a failed one again.',
  audit: 'Every write, refused ones too, and every 401 and 403: who did what to what, and what was answered.',
  dashboard: "The web dashboard's page and files (HTML, scripts, styles), served by DeployDB itself.",
  plugins: "Routes added by the installed plugins, each under /api/plugins/<plugin id>, behind the same authentication and roles.",
  system: 'Readiness, Prometheus metrics, the descriptions of this API and of its events, and configuration reloads.',
} as const;

export type ApiTag = keyof typeof API_TAGS;
