import Type, { type TSchema } from 'typebox';
import { DeployDbError } from '../errors.js';

/** `?limit=` and `?cursor=` of every list (CONTRACT §4). */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
};

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const pageOf = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

/** Cursors are opaque to callers: the position after which the next page starts. */
export function encodeCursor(position: number): string {
  return Buffer.from(`p${position}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const text = Buffer.from(cursor, 'base64url').toString();
  const match = /^p(\d{1,10})$/.exec(text);
  if (!match || Number(match[1]) > 2147483647) throw new DeployDbError('bad_request', 'invalid cursor', [{ path: '/cursor', message: 'not a cursor this API returned' }]);
  return Number(match[1]);
}

/** A page of rows read by id (keyset): the cursor is the last id. */
export function keysetPage<T extends { id: number }>({ rows, more }: { rows: T[]; more: boolean }): Page<T> {
  return { items: rows, nextCursor: more ? encodeCursor(rows[rows.length - 1]!.id) : null };
}

/** A page over an in-memory list (configuration lists, in file order). */
export function pageOfList<T>(list: readonly T[], query: { limit?: number; cursor?: string }): Page<T> {
  const start = decodeCursor(query.cursor);
  const limit = query.limit ?? 50;
  const items = list.slice(start, start + limit);
  return { items, nextCursor: start + limit < list.length ? encodeCursor(start + limit) : null };
}

/** A cursor for lists ordered by time, newest first: the time and tie-breaking id of the last item. */
export function encodeTimeCursor(position: { at: Date; id: string }): string {
  return Buffer.from(`t${position.at.getTime()}.${position.id}`).toString('base64url');
}

export function decodeTimeCursor(cursor: string | undefined): { at: Date; id: string } | null {
  if (cursor === undefined) return null;
  const match = /^t(\d{1,15})\.(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString());
  const at = match ? new Date(Number(match[1])) : null;
  if (!match || !at || Number.isNaN(at.getTime()) || BigInt(match[2]!) > 9223372036854775807n) {
    throw new DeployDbError('bad_request', 'invalid cursor', [{ path: '/cursor', message: 'not a cursor this API returned' }]);
  }
  return { at, id: match[2]! };
}
