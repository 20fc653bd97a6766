import { computed, signal } from '@preact/signals';
import { ApiError, api, unwrap, useToken } from './api/client';
import type { Caller, PromotionConfig, Role } from './api/types';

/** Kept for the browser tab's session only: closing the tab forgets the token. */
const TOKEN_KEY = 'deploydb.token';

export type SessionState =
  | { kind: 'checking' }
  /** The server asks for a token (auth configured); `problem` says why the last one failed. */
  | { kind: 'signedOut'; problem: string | null }
  | { kind: 'signedIn'; caller: Caller; authEnabled: boolean };

export const session = signal<SessionState>({ kind: 'checking' });

export const caller = computed(() => (session.value.kind === 'signedIn' ? session.value.caller : null));

/** True when the caller holds the role (admin holds every role). */
export function can(role: Role): boolean {
  return caller.value?.roles.includes(role) ?? false;
}

/**
 * Whether the caller may approve or reject a manual promotion: the promotion plugin's own rule
 * (role approver and, when the promotion lists `approvers`, among them), and admin always.
 */
export function mayApprove(promotion: PromotionConfig | undefined): boolean {
  const who = caller.value;
  if (!who || !promotion) return false;
  if (who.roles.includes('admin')) return true;
  if (!who.roles.includes('approver')) return false;
  const approvers = promotion.approvers;
  return !Array.isArray(approvers) || (who.name !== null && approvers.includes(who.name));
}

function signOutWith(problem: string | null): void {
  sessionStorage.removeItem(TOKEN_KEY);
  useToken(null, () => undefined);
  session.value = { kind: 'signedOut', problem };
}

/** Asks the server who the caller is: without auth it answers at once; with auth, with the kept token. */
export async function startSession(): Promise<void> {
  const kept = sessionStorage.getItem(TOKEN_KEY);
  try {
    useToken(null, () => undefined);
    const anonymous = await unwrap(api.GET('/api/me'));
    session.value = { kind: 'signedIn', caller: anonymous, authEnabled: false };
    return;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      session.value = { kind: 'signedOut', problem: `DeployDB did not answer: ${(error as Error).message}` };
      return;
    }
  }
  if (kept) await signIn(kept);
  else session.value = { kind: 'signedOut', problem: null };
}

/** Checks a token with `GET /api/me`; keeps it for this tab's session when the server knows it. */
export async function signIn(token: string): Promise<void> {
  useToken(token, () => undefined);
  try {
    const who = await unwrap(api.GET('/api/me'));
    sessionStorage.setItem(TOKEN_KEY, token);
    useToken(token, () => signOutWith('The server no longer accepts this token. Sign in again.'));
    session.value = { kind: 'signedIn', caller: who, authEnabled: true };
  } catch (error) {
    signOutWith(error instanceof ApiError && error.status === 401 ? 'DeployDB does not know this token.' : `Signing in failed: ${(error as Error).message}`);
  }
}

export function signOut(): void {
  signOutWith(null);
}
