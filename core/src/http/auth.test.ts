import { describe, expect, it } from 'vitest';
import { tokenHashOf } from '../config/tokenHash.js';
import { isDeployDbError } from '../errors.js';
import { Authenticator } from './auth.js';

function refusal(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isDeployDbError(error) ? error.code : 'not a DeployDbError';
  }
  return undefined;
}

describe('bearer tokens compared by hash', () => {
  const authenticator = new Authenticator([
    { name: 'ci', tokenHash: tokenHashOf('ci-secret'), roles: ['ci'] },
    { name: 'ops', tokenHash: tokenHashOf('ops-secret'), roles: ['admin'] },
  ]);

  it('finds the caller whose tokenHash is the hash of the presented token', () => {
    expect(authenticator.authenticate('Bearer ci-secret')).toEqual({ name: 'ci', roles: ['read', 'ci'] });
    expect(authenticator.authenticate('bearer   ops-secret ')).toMatchObject({ name: 'ops', roles: expect.arrayContaining(['admin', 'approver', 'ci', 'read']) });
  });

  it('refuses a missing, malformed or unknown token, and the hash itself used as a token', () => {
    for (const header of [undefined, '', 'Basic Y2k6c2VjcmV0', 'Bearer', 'Bearer ci-secret2', `Bearer ${tokenHashOf('ci-secret')}`]) {
      expect(refusal(() => authenticator.authenticate(header)), String(header)).toBe('unauthorized');
    }
  });

  it('lets every caller in as an anonymous admin without auth', () => {
    expect(new Authenticator(null).authenticate(undefined)).toMatchObject({ name: null, roles: expect.arrayContaining(['admin']) });
  });
});
