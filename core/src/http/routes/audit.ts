import Type from 'typebox';
import { AUDIT_ACTIONS } from '../../domain/audit.js';
import { literalUnion } from '../../domain/shapes.js';
import type { ApiContext } from '../apiContext.js';
import { decodeTimeCursor, encodeTimeCursor, PageQuery, pageOf } from '../pagination.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { momentOf, momentQuery } from '../moments.js';
import { json } from '../answers.js';

const AuditEntrySchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    at: Type.String({ format: 'date-time', description: 'ISO-8601 UTC' }),
    actor: Type.String({ description: 'The token name, `anonymous` without one, `bus` for triggers from the bus, `SIGHUP` for a reload by signal' }),
    action: literalUnion(AUDIT_ACTIONS),
    target: Type.String({ description: 'What it acted on, e.g. `deployments/12`' }),
    outcome: Type.Integer({ description: 'The HTTP status answered' }),
    detail: Type.Record(Type.String(), Type.Unknown(), { description: 'What helps an auditor: the reported status, the promotion, the refusal’s error code' }),
  },
  { $id: 'AuditEntry' },
);

/** A moment: a date (midnight UTC), or a date and time with `Z` or an offset. */
const Moment = momentQuery('ISO-8601 (a date alone is its midnight UTC)');

/** `GET /api/audit` (admin): the audit trail, newest first (CONTRACT §15). */
export function auditRoutes(api: Pick<ApiContext, 'auditEntries'>): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/audit',
      operationId: 'listAuditEntries',
      tag: 'audit',
      summary: 'The audit trail, newest first: every write (refused ones too) and every 401/403, filtered by actor, action and time (from/to inclusive)',
      roles: ['admin'],
      query: Type.Object({
        actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        action: Type.Optional(literalUnion(AUDIT_ACTIONS)),
        from: Type.Optional(Moment),
        to: Type.Optional(Moment),
        ...PageQuery,
      }),
      responses: { 200: { description: 'A page of audit entries, newest first', schema: pageOf(AuditEntrySchema) } },
      async handler({ query, c }) {
        const filter = { actor: query.actor, action: query.action, from: momentOf(query.from, 'from'), to: momentOf(query.to, 'to') };
        const page = await api.auditEntries(filter, { after: decodeTimeCursor(query.cursor), limit: query.limit ?? 50 });
        return json(c, 200, { items: page.rows, nextCursor: page.more && page.last ? encodeTimeCursor(page.last) : null });
      },
    }),
  ];
}
