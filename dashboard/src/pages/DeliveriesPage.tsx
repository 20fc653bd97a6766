import { useState } from 'preact/hooks';
import { ApiError, allPages, api, unwrap } from '../api/client';
import type { Delivery } from '../api/types';
import { replaceQuery, route } from '../router';
import { Icon } from '../ui/Icon';
import { Empty, ErrorNotice, Loading } from '../ui/Notice';
import { Page } from '../ui/Page';
import { Ago } from '../ui/Time';
import { useQuery } from '../useQuery';

const STATUSES = ['failed', 'pending', 'delivered'] as const;
type DeliveryStatus = (typeof STATUSES)[number];
const MAX_DELIVERIES = 5000;

/** Outbound webhook deliveries (admin): the failed ones first, each with a Retry. */
export function DeliveriesPage() {
  const wanted = route.value.query.get('status');
  const status: DeliveryStatus = (STATUSES as readonly string[]).includes(wanted ?? '') ? (wanted as DeliveryStatus) : 'failed';
  const page = useQuery(
    () => allPages((cursor) => unwrap(api.GET('/api/webhooks/deliveries', { params: { query: { status, limit: 500, cursor } } })), MAX_DELIVERIES),
    [status],
  );
  const [message, setMessage] = useState('');
  return (
    <Page kicker="Webhooks" title="Deliveries">
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter deliveries">
        <div class="field">
          <label for="deliveries-status">Status</label>
          <select id="deliveries-status" value={status} onChange={(e) => replaceQuery({ status: e.currentTarget.value })}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      </form>
      <p class="status-line" role="status">
        {message}
      </p>
      {page.error ? <ErrorNotice error={page.error} what="deliveries" /> : null}
      {!page.data ? (
        page.error ? null : <Loading what="deliveries" />
      ) : page.data.items.length === 0 ? (
        <Empty>No {status} deliveries.</Empty>
      ) : (
        <div class="scroll-x">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Receiver</th>
                <th scope="col" class="num">
                  Attempts
                </th>
                <th scope="col">Last answer</th>
                <th scope="col">Updated</th>
                {status === 'failed' ? <th scope="col">Action</th> : null}
              </tr>
            </thead>
            <tbody>
              {[...page.data.items].reverse().map((delivery) => (
                <DeliveryRow key={delivery.id} delivery={delivery} retryable={status === 'failed'} onMessage={setMessage} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}

function DeliveryRow({ delivery, retryable, onMessage }: { delivery: Delivery; retryable: boolean; onMessage(message: string): void }) {
  const [busy, setBusy] = useState(false);
  const retry = async () => {
    setBusy(true);
    try {
      await unwrap(api.POST('/api/webhooks/deliveries/{id}/retry', { params: { path: { id: delivery.id } } }));
      onMessage(`Delivery ${delivery.id} of ${delivery.eventType} is pending again.`);
    } catch (error) {
      onMessage(`Delivery ${delivery.id} was not retried: ${error instanceof ApiError ? `${error.message} (${error.status})` : (error as Error).message}`);
      setBusy(false);
    }
  };
  return (
    <tr>
      <td>
        {delivery.eventType.replace(/^deploydb\./, '')}{' '}
        {/* Event ids may start with their time: their end tells them apart. */}
        <span class="muted small mono" title={delivery.eventId}>
          …{delivery.eventId.slice(-8)}
        </span>
      </td>
      <td class="break">{delivery.url}</td>
      <td class="num">{delivery.attempts}</td>
      <td>
        {delivery.lastStatusCode ?? <span class="muted">no answer</span>}
        {delivery.lastError ? <div class="muted small">{delivery.lastError}</div> : null}
      </td>
      <td>
        <Ago iso={delivery.updatedAt} />
      </td>
      {retryable ? (
        <td>
          <button type="button" class="button" onClick={retry} disabled={busy} aria-label={`Retry delivery ${delivery.id} of ${delivery.eventType} to ${delivery.url}`}>
            <Icon name="retry" /> {busy ? 'Retrying…' : 'Retry'}
          </button>
        </td>
      ) : null}
    </tr>
  );
}
