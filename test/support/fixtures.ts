import manual from '../../plugins/promotion-manual/src/index.js';
import { POSTGRES, servicesAvailable, startTestKernel, type TestKernel, type TestKernelOptions } from '@deploydb/core/testing';

/** Tokens of the test configuration, by name. */
export const TOKENS = { ci: 'ci-secret', alice: 'alice-secret', bob: 'bob-secret', carol: 'carol-secret', reader: 'reader-secret', ops: 'ops-secret' };

/**
 * A pipeline dev → integ → preprod → prod with manual approvals in preprod (two of alice and
 * bob) and prod (anyone with role approver), auth on.
 */
export const LEDGER_CONFIG = `
plugins:
  - package: "@deploydb/promotion-manual"
auth:
  tokens:
    - { name: jenkins, token: "${TOKENS.ci}", roles: [ci] }
    - { name: alice, token: "${TOKENS.alice}", roles: [approver] }
    - { name: bob, token: "${TOKENS.bob}", roles: [approver] }
    - { name: carol, token: "${TOKENS.carol}", roles: [approver] }
    - { name: reader, token: "${TOKENS.reader}", roles: [read] }
    - { name: ops, token: "${TOKENS.ops}", roles: [admin] }
environments:
  dev: { description: "Development", url: "http://dev.internal" }
  integ: { description: "Integration" }
  preprod: { url: "http://preprod.internal" }
  prod: { hosts: ["http://prod-1.internal", "http://prod-2.internal"] }
promotions:
  pair-review:
    type: manual
    approvers: [alice, bob]
    required: 2
  go-live:
    type: manual
pipelines:
  devtoprod:
    environments:
      - dev
      - integ
      - { name: preprod, promotions: [pair-review] }
      - { name: prod, promotions: [go-live] }
  hotfix:
    environments: [dev, prod]
services:
  faas:
    name: "Fun as a Service"
    artifacts: ["com.acme:foas", "com.acme:puppet-foas"]
    pipelines: [devtoprod]
  billing:
    name: "Billing"
    artifacts: ["com.acme:billing"]
    pipelines: [devtoprod, hotfix]
`;

/** The same configuration without `auth`: every caller is an anonymous admin. */
export const OPEN_LEDGER_CONFIG = LEDGER_CONFIG.replace(/^auth:\n(?: .*\n)+/m, '');

export type DatabaseMode = 'embedded' | 'postgres';

/** The database modes to run a suite in: embedded always; PostgreSQL when it answers (or required). */
export async function databaseModes(): Promise<DatabaseMode[]> {
  return (await servicesAvailable(POSTGRES)) ? ['embedded', 'postgres'] : ['embedded'];
}

/** A kernel on the ledger configuration with the manual plugin from source. */
export function startLedger(database: DatabaseMode, overrides: Partial<TestKernelOptions> = {}): Promise<TestKernel> {
  return startTestKernel({ config: LEDGER_CONFIG, database, plugins: { '@deploydb/promotion-manual': manual }, ...overrides });
}

let counter = 0;
/** A fresh artifact body for a module. */
export function newArtifact(module = 'com.acme:foas') {
  const [group, name] = module.split(':') as [string, string];
  counter += 1;
  return { group, name, version: `1.0.${counter}-${Date.now()}`, sourceUrl: `https://ci.acme.test/${name}/${counter}` };
}
