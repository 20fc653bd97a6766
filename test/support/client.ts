import { expect } from 'vitest';
import type { TestKernel } from '@deploydb/core/testing';
import { TOKENS, newArtifact } from './fixtures.js';

type Who = keyof typeof TOKENS;

/** API calls of the ledger tests, as the named token, expecting a status. */
export function ledgerClient(t: TestKernel) {
  const call = async (who: Who, method: string, path: string, body: unknown, expected: number) => {
    const response = await t.request(method, path, body, { token: TOKENS[who] });
    expect(response.status, `${method} ${path} as ${who}: ${JSON.stringify(response.body)}`).toBe(expected);
    return response.body;
  };
  return {
    call,
    register: (module?: string) => call('ci', 'POST', '/api/artifacts', newArtifact(module), 201),
    report: (id: number, status: string, expected = 200) => call('ci', 'PATCH', `/api/deployments/${id}`, { status }, expected),
    approve: (who: Who, id: number, name: string, expected = 201) => call(who, 'POST', `/api/deployments/${id}/promotions`, { name, status: 'SUCCESS' }, expected),
    deployment: (id: number) => call('reader', 'GET', `/api/deployments/${id}`, undefined, 200),
    flow: (id: number) => call('reader', 'GET', `/api/flows/${id}`, undefined, 200),
  };
}

/** The outbox's events, oldest first. */
export async function outboxEvents(t: TestKernel): Promise<Array<{ type: string; subject: string; data: any; id: string }>> {
  const rows = await t.kernel.db.em().execute<{ event: any }[]>('select event from outbox_event order by id');
  return rows.map((r) => (typeof r.event === 'string' ? JSON.parse(r.event) : r.event));
}
