import { describe, expect, it } from 'vitest';
import { canTransition, decideReport } from './deploymentMachine.js';

describe('deployment state machine', () => {
  it('allows exactly the transitions of the contract', () => {
    const allowed = [
      'CREATED>STARTED',
      'CREATED>COMPLETED',
      'CREATED>FAILED',
      'STARTED>COMPLETED',
      'STARTED>FAILED',
      'COMPLETED>VERIFIED',
      'COMPLETED>FAILED',
    ];
    const statuses = ['CREATED', 'STARTED', 'COMPLETED', 'VERIFIED', 'FAILED'] as const;
    for (const from of statuses) {
      for (const to of statuses) {
        expect(canTransition(from, to), `${from} -> ${to}`).toBe(allowed.includes(`${from}>${to}`));
      }
    }
  });

  it('applies a new status the deployment may take', () => {
    expect(decideReport('CREATED', ['CREATED'], 'STARTED')).toEqual({ kind: 'apply' });
    expect(decideReport('STARTED', ['CREATED', 'STARTED'], 'COMPLETED')).toEqual({ kind: 'apply' });
    expect(decideReport('COMPLETED', ['CREATED', 'COMPLETED'], 'FAILED')).toEqual({ kind: 'apply' });
  });

  it('treats a status already had as a repeat, even after the deployment moved on', () => {
    expect(decideReport('COMPLETED', ['CREATED', 'COMPLETED'], 'COMPLETED')).toEqual({ kind: 'repeat' });
    expect(decideReport('VERIFIED', ['CREATED', 'STARTED', 'COMPLETED', 'VERIFIED'], 'COMPLETED')).toEqual({ kind: 'repeat' });
    expect(decideReport('VERIFIED', ['CREATED', 'STARTED', 'COMPLETED', 'VERIFIED'], 'STARTED')).toEqual({ kind: 'repeat' });
    expect(decideReport('FAILED', ['CREATED', 'FAILED'], 'FAILED')).toEqual({ kind: 'repeat' });
  });

  it('refuses a report that contradicts the history', () => {
    expect(decideReport('FAILED', ['CREATED', 'FAILED'], 'COMPLETED').kind).toBe('invalid');
    expect(decideReport('COMPLETED', ['CREATED', 'COMPLETED'], 'STARTED').kind).toBe('invalid');
    expect(decideReport('VERIFIED', ['CREATED', 'COMPLETED', 'VERIFIED'], 'FAILED').kind).toBe('invalid');
  });
});
