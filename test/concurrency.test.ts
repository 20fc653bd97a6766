import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKernel } from '@deploydb/core/testing';
import { LEDGER_CONFIG, TOKENS, databaseModes, startLedger } from './support/fixtures.js';
import { ledgerClient, outboxEvents } from './support/client.js';

const N = 25;

describe.each(await databaseModes())('concurrent reports (%s database)', (mode) => {
  let t: TestKernel;
  let api: ReturnType<typeof ledgerClient>;
  beforeAll(async () => {
    t = await startLedger(mode);
    api = ledgerClient(t);
  });
  afterAll(() => t?.destroy());

  it(`${N} concurrent COMPLETED reports make exactly one transition and one next deployment`, async () => {
    const { flows } = await api.register();
    const dev = flows[0].deployments[0];
    const answers = await Promise.all(
      Array.from({ length: N }, () => t.request('PATCH', `/api/deployments/${dev.id}`, { status: 'COMPLETED' }, { token: TOKENS.ci })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(N).fill(200));
    expect(new Set(answers.map((a) => a.body.status))).toEqual(new Set(['VERIFIED']));

    const flow = await api.flow(flows[0].id);
    expect(flow.deployments.map((d: any) => d.environment)).toEqual(['dev', 'integ']);
    const events = (await outboxEvents(t)).filter((e) => e.subject === `deployments/${dev.id}`);
    expect(events.map((e) => e.type)).toEqual(['deploydb.deployment.created', 'deploydb.deployment.completed', 'deploydb.deployment.verified']);
  });

  it(`${N} concurrent approvals settle the promotion once and create one next deployment`, async () => {
    const { flows } = await api.register();
    let deployment = flows[0].deployments[0];
    for (let stage = 0; stage < 3; stage++) {
      await api.report(deployment.id, 'COMPLETED');
      if (deployment.environment === 'preprod') {
        await api.approve('alice', deployment.id, 'pair-review');
        await api.approve('bob', deployment.id, 'pair-review');
      }
      deployment = (await api.flow(flows[0].id)).deployments.at(-1);
    }
    expect(deployment.environment).toBe('prod');
    await api.report(deployment.id, 'COMPLETED');
    const approvers = ['alice', 'bob', 'carol', 'ops'] as const;
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        t.request('POST', `/api/deployments/${deployment.id}/promotions`, { name: 'go-live', status: 'SUCCESS' }, { token: TOKENS[approvers[i % approvers.length]!] }),
      ),
    );
    // The first approval settles it; the same approver again is a repeat (201, current state);
    // another approver after that finds it settled (409).
    for (const answer of answers) expect([201, 409], JSON.stringify(answer.body)).toContain(answer.status);
    const settled = await api.deployment(deployment.id);
    expect(settled.status).toBe('VERIFIED');
    expect(settled.promotions[0].status).toBe('SUCCESS');
    const flow = await api.flow(flows[0].id);
    expect(flow.status).toBe('SUCCESS');
    const events = (await outboxEvents(t)).filter((e) => e.subject.startsWith(`deployments/${deployment.id}`));
    expect(events.filter((e) => e.type === 'deploydb.promotion.completed')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'deploydb.deployment.verified')).toHaveLength(1);
    const flowEvents = (await outboxEvents(t)).filter((e) => e.subject === `flows/${flows[0].id}`);
    expect(flowEvents).toHaveLength(1);
  });

  it(`${N} concurrent registrations of one version store it once; the rest are 409 with its id`, async () => {
    const body = { group: 'com.acme', name: 'foas', version: `race-${Date.now()}`, sourceUrl: 'https://ci.acme.test/race' };
    const answers = await Promise.all(Array.from({ length: N }, () => t.request('POST', '/api/artifacts', body, { token: TOKENS.ci })));
    const created = answers.filter((a) => a.status === 201);
    expect(answers.filter((a) => a.status !== 201 && a.status !== 409).map((a) => a.body)).toEqual([]);
    expect(created).toHaveLength(1);
    const conflicts = answers.filter((a) => a.status === 409);
    expect(conflicts).toHaveLength(N - 1);
    for (const conflict of conflicts) expect(conflict.body.error).toMatchObject({ code: 'already_exists', existingId: created[0]!.body.id });
    const listed = await t.request('GET', `/api/artifacts?q=${body.version}`, undefined, { token: TOKENS.reader });
    expect(listed.body.items).toHaveLength(1);
  });
});

describe.each(await databaseModes())('artifacts at the length limits (%s database)', (mode) => {
  let t: TestKernel;
  beforeAll(async () => {
    t = await startLedger(mode, {
      config: LEDGER_CONFIG.replace('artifacts: ["com.acme:billing"]', `artifacts: ["com.acme:billing", "${'g'.repeat(8192)}:${'n'.repeat(8192)}"]`),
    });
  });
  afterAll(() => t?.destroy());

  it('registers, keeps and refuses again a version whose group and name are 8192 characters', async () => {
    const body = { group: 'g'.repeat(8192), name: 'n'.repeat(8192), version: 'v'.repeat(255), sourceUrl: 's'.repeat(8192) };
    const created = await t.request('POST', '/api/artifacts', body, { token: TOKENS.ci });
    expect(created.status).toBe(201);
    const again = await t.request('POST', '/api/artifacts', body, { token: TOKENS.ci });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'already_exists', existingId: created.body.id });
    const stored = await t.request('GET', `/api/artifacts/${created.body.id}`, undefined, { token: TOKENS.reader });
    expect(stored.body).toMatchObject(body);
  });
});
