import { describe, expect, it, vi } from 'vitest';
import type { Deployment, Logger, PromotionPluginInstance } from '@deploydb/core';
import soakTime, { evaluateSoak, type CurrentDeploymentLookup, type SoakSettings } from '../src/index.js';
import { COMPLETED_AT, ManualClock, deployment, evaluationContext } from './context.js';

/** A lookup that always answers `current`, recording what it was asked. */
function answering(current: Deployment | null) {
  return vi.fn<CurrentDeploymentLookup>(async () => current);
}

/** Deployment 9 of the same service in the same environment, newer than 7. */
function newer(overrides: Partial<Deployment>): Deployment {
  return deployment({ id: 9, version: '1.1.0', promotions: [], ...overrides });
}

const at = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

describe('SoakTime evaluate', () => {
  it('waits the whole soak when asked right after COMPLETED, keeping when it started', async () => {
    const verdict = await evaluateSoak(evaluationContext({ seconds: 600 }), null);
    expect(verdict).toEqual({
      status: 'PENDING',
      checkAgainIn: 600,
      reason: `soaking until ${at(COMPLETED_AT, 600)}`,
      state: { completedAt: COMPLETED_AT },
      evidence: { completedAt: COMPLETED_AT, passesAt: at(COMPLETED_AT, 600), seconds: 600, replacementChecked: false },
    });
  });

  it('asks to be checked again when the soak ends, rounding up', async () => {
    const clock = new ManualClock().advance(10.2);
    const verdict = await evaluateSoak(evaluationContext({ seconds: 600, clock }), null);
    expect(verdict).toMatchObject({ status: 'PENDING', checkAgainIn: 590 });
  });

  it('passes once the seconds have elapsed since COMPLETED', async () => {
    const clock = new ManualClock().advance(600);
    const verdict = await evaluateSoak(evaluationContext({ seconds: 600, clock, state: { completedAt: COMPLETED_AT } }), null);
    expect(verdict).toEqual({
      status: 'SUCCESS',
      evidence: { completedAt: COMPLETED_AT, passesAt: at(COMPLETED_AT, 600), seconds: 600, replacementChecked: false },
    });
  });

  it('counts from the deployment, not from the result, whose updatedAt moves with every answer', async () => {
    const dep = deployment();
    dep.promotions[0]!.updatedAt = at(COMPLETED_AT, 599);
    const clock = new ManualClock().advance(600);
    expect(await evaluateSoak(evaluationContext({ seconds: 600, clock, deployment: dep }), null)).toMatchObject({ status: 'SUCCESS' });
  });

  it('counts from the instant kept in its state once it has one', async () => {
    // Should anything else ever touch the deployment, the soak's end stays where it was.
    const dep = deployment({ updatedAt: at(COMPLETED_AT, 300) });
    const clock = new ManualClock().advance(600);
    const verdict = await evaluateSoak(evaluationContext({ seconds: 600, clock, deployment: dep, state: { completedAt: COMPLETED_AT } }), null);
    expect(verdict).toMatchObject({ status: 'SUCCESS', evidence: { completedAt: COMPLETED_AT } });
  });

  it('ignores a state it did not write', async () => {
    const verdict = await evaluateSoak(evaluationContext({ seconds: 60, state: { completedAt: 'yesterday' } }), null);
    expect(verdict).toMatchObject({ status: 'PENDING', checkAgainIn: 60, state: { completedAt: COMPLETED_AT } });
  });

  it('answers the same when asked twice at the same time', async () => {
    const clock = new ManualClock().advance(42);
    const context = evaluationContext({ seconds: 600, clock });
    expect(await evaluateSoak(context, answering(null))).toEqual(await evaluateSoak(context, answering(null)));
  });

  it('fails a deployment that is not COMPLETED', async () => {
    const verdict = await evaluateSoak(evaluationContext({ deployment: deployment({ status: 'FAILED' }) }), null);
    expect(verdict).toEqual({ status: 'FAILED', reason: 'deployment 7 is FAILED; a soak counts from COMPLETED' });
  });

  describe('with a lookup of the current deployment', () => {
    it('asks about its own service and environment, passing the abort signal on', async () => {
      const lookup = answering(deployment());
      const signal = new AbortController().signal;
      const verdict = await evaluateSoak(evaluationContext({ seconds: 60, signal }), lookup);
      expect(lookup).toHaveBeenCalledWith({ service: 'web', environment: 'prod' }, signal);
      expect(verdict).toMatchObject({ status: 'PENDING', evidence: { replacementChecked: true } });
    });

    it('fails when a newer deployment became current before the soak ended', async () => {
      const replacement = newer({ status: 'COMPLETED', createdAt: at(COMPLETED_AT, 10), updatedAt: at(COMPLETED_AT, 30) });
      const clock = new ManualClock().advance(600);
      const verdict = await evaluateSoak(evaluationContext({ seconds: 600, clock, state: { completedAt: COMPLETED_AT } }), answering(replacement));
      expect(verdict).toEqual({
        status: 'FAILED',
        reason: 'replaced in prod by deployment 9 (com.acme:web:1.1.0) before its 600 s soak time ended',
        evidence: {
          completedAt: COMPLETED_AT,
          passesAt: at(COMPLETED_AT, 600),
          seconds: 600,
          replacementChecked: true,
          replacedBy: { deploymentId: 9, artifact: 'com.acme:web:1.1.0', status: 'COMPLETED', createdAt: at(COMPLETED_AT, 10), updatedAt: at(COMPLETED_AT, 30) },
        },
      });
    });

    it('fails at once, without waiting for the soak to end', async () => {
      const replacement = newer({ status: 'COMPLETED', updatedAt: at(COMPLETED_AT, 5) });
      const clock = new ManualClock().advance(6);
      expect(await evaluateSoak(evaluationContext({ seconds: 600, clock }), answering(replacement))).toMatchObject({ status: 'FAILED' });
    });

    it('passes while it is itself the current deployment', async () => {
      const clock = new ManualClock().advance(600);
      expect(await evaluateSoak(evaluationContext({ seconds: 600, clock }), answering(deployment()))).toMatchObject({ status: 'SUCCESS' });
    });

    it('passes when the newer deployment only became current after the soak ended', async () => {
      // The worker may ask a little late; what happened after the soak ended does not count.
      const replacement = newer({ status: 'COMPLETED', createdAt: at(COMPLETED_AT, 10), updatedAt: at(COMPLETED_AT, 601) });
      const clock = new ManualClock().advance(605);
      expect(await evaluateSoak(evaluationContext({ seconds: 600, clock }), answering(replacement))).toMatchObject({ status: 'SUCCESS' });
    });

    it('counts a VERIFIED replacement from when it was created, the earliest it can have been deployed', async () => {
      const early = newer({ status: 'VERIFIED', createdAt: at(COMPLETED_AT, 10), updatedAt: at(COMPLETED_AT, 700) });
      const late = newer({ status: 'VERIFIED', createdAt: at(COMPLETED_AT, 650), updatedAt: at(COMPLETED_AT, 700) });
      const clock = new ManualClock().advance(720);
      const context = evaluationContext({ seconds: 600, clock });
      expect(await evaluateSoak(context, answering(early))).toMatchObject({ status: 'FAILED' });
      expect(await evaluateSoak(context, answering(late))).toMatchObject({ status: 'SUCCESS' });
    });

    it('ignores an older current deployment', async () => {
      const older = deployment({ id: 3, version: '0.9.0' });
      const clock = new ManualClock().advance(600);
      expect(await evaluateSoak(evaluationContext({ seconds: 600, clock }), answering(older))).toMatchObject({ status: 'SUCCESS' });
    });

    it('lets the kernel retry when the lookup fails', async () => {
      const lookup: CurrentDeploymentLookup = async () => {
        throw new Error('DeployDB did not answer');
      };
      await expect(evaluateSoak(evaluationContext(), lookup)).rejects.toThrow('DeployDB did not answer');
    });
  });
});

describe('the SoakTime plugin', () => {
  const logger = () => {
    const warnings: string[] = [];
    const log: Logger = {
      trace: () => {},
      debug: () => {},
      info: () => {},
      warn: (message) => void warnings.push(String(message)),
      error: () => {},
      child: () => log,
    };
    return { log, warnings };
  };
  const create = async (log: Logger, current: Deployment | null = null) => {
    if (soakTime.kind !== 'promotion') throw new Error('not a promotion plugin');
    const ledger = { serviceAcross: async () => [{ environment: 'staging', current, inFlight: null }] };
    return (await soakTime.create({ config: {}, logger: log, clock: new ManualClock(), configDir: '.', deps: { ledger } as never })) as PromotionPluginInstance<SoakSettings>;
  };

  it('provides type SoakTime, depends on the ledger, and is not reportable', async () => {
    expect(soakTime).toMatchObject({ $$type: '@deploydb/plugin', kind: 'promotion', type: 'SoakTime', id: 'deploydb-promotion-soak-time', deps: { ledger: { id: 'core.ledger' } } });
    const instance = await create(logger().log);
    expect(instance.reporting).toBeUndefined();
    expect(instance.evaluationTimeout).toBe(15);
  });

  it('checks for a replacement in the ledger it depends on', async () => {
    const instance = await create(logger().log);
    expect(await instance.evaluate(evaluationContext({ seconds: 5 }))).toMatchObject({ status: 'PENDING', checkAgainIn: 5, evidence: { replacementChecked: true } });
  });
});
