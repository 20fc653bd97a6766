import type { ComponentChildren } from 'preact';
import { ApiError } from '../api/client';

/** Why a view could not be shown, in the server's words. */
export function ErrorNotice({ error, what }: { error: Error; what: string }) {
  const missing = error instanceof ApiError && error.status === 404 && error.code === 'not_found' && /no route/.test(error.message);
  return (
    <div class="notice notice-error" role="alert">
      <strong>Could not load {what}.</strong>{' '}
      {missing ? 'This DeployDB server does not offer it yet (it needs a newer version).' : error.message}
      {error instanceof ApiError && !missing ? <span class="muted"> ({error.status} {error.code})</span> : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}
