import { describe, expect, it } from 'vitest';
import type { LedgerService, ServiceInEnvironment } from '@deploydb/core';
import { currentDeploymentFromLedger } from '../src/index.js';
import { deployment } from './context.js';

/** A ledger that answers `environments` for every service, remembering what it was asked. */
function ledgerAnswering(environments: ServiceInEnvironment[] | Error) {
  const asked: string[] = [];
  const ledger: Pick<LedgerService, 'serviceAcross'> = {
    serviceAcross: async (service) => {
      asked.push(service);
      if (environments instanceof Error) throw environments;
      return environments;
    },
  };
  return { ledger, asked };
}

const signal = () => new AbortController().signal;

describe('currentDeploymentFromLedger', () => {
  it("reads the service across its environments and answers that environment's current deployment", async () => {
    const current = deployment({ id: 12 });
    const { ledger, asked } = ledgerAnswering([
      { environment: 'staging', current: null, inFlight: null },
      { environment: 'prod', current, inFlight: null },
    ]);
    expect(await currentDeploymentFromLedger(ledger)({ service: 'web', environment: 'prod' }, signal())).toEqual(current);
    expect(asked).toEqual(['web']);
  });

  it('answers null when nothing is current there, or the environment or service is unknown', async () => {
    const { ledger } = ledgerAnswering([{ environment: 'prod', current: null, inFlight: null }]);
    expect(await currentDeploymentFromLedger(ledger)({ service: 'web', environment: 'prod' }, signal())).toBeNull();
    expect(await currentDeploymentFromLedger(ledger)({ service: 'web', environment: 'qa' }, signal())).toBeNull();
    expect(await currentDeploymentFromLedger(ledgerAnswering([]).ledger)({ service: 'gone', environment: 'prod' }, signal())).toBeNull();
  });

  it('throws when the ledger cannot be read, so the evaluation is tried again', async () => {
    const { ledger } = ledgerAnswering(new Error('the database does not answer'));
    await expect(currentDeploymentFromLedger(ledger)({ service: 'web', environment: 'prod' }, signal())).rejects.toThrow('the database does not answer');
  });

  it('does not read once the evaluation was aborted', async () => {
    const { ledger, asked } = ledgerAnswering([]);
    const abort = new AbortController();
    abort.abort(new Error('stopping'));
    await expect(currentDeploymentFromLedger(ledger)({ service: 'web', environment: 'prod' }, abort.signal)).rejects.toThrow('stopping');
    expect(asked).toEqual([]);
  });
});
