import { createHash } from 'node:crypto';

const PREFIX = 'sha256:';

/** The SHA-256 of a bearer token: what `tokenHash` writes in hex. */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** The `tokenHash` form of a bearer token: `sha256:` and its lowercase hex SHA-256. */
export function tokenHashOf(token: string): string {
  return PREFIX + tokenDigest(token).toString('hex');
}

/** A `tokenHash` as written (hex digits in either case) in the form {@link tokenHashOf} gives. */
export function canonicalTokenHash(written: string): string {
  return PREFIX + written.slice(PREFIX.length).toLowerCase();
}

/** The 32 bytes a `tokenHash` stands for. */
export function tokenHashDigest(tokenHash: string): Buffer {
  return Buffer.from(tokenHash.slice(PREFIX.length), 'hex');
}
