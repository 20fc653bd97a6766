/**
 * Which DeployDB installation a Redis stream belongs to. The first installation to use a stream
 * records itself in a key next to it (`<stream>:owner`); another installation must then never
 * consume from it, or it would take the owner's events.
 */

/** The streams of CONTRACT §5 and §6, used unless `stream` / `triggerStream` are set. */
export const DEFAULT_STREAM = 'deploydb:events';
export const DEFAULT_TRIGGER_STREAM = 'deploydb:triggers';

/** Where an installation's events and triggers go. */
export interface StreamNames {
  stream: string;
  triggerStream: string;
}

/** The key naming the installation that owns `stream`. */
export function ownerKey(stream: string): string {
  return `${stream}:owner`;
}

/** A short, stable tag of an installation for names: the first 12 hex digits of its id. */
export function installationTag(installationId: string): string {
  return installationId.replace(/-/g, '').slice(0, 12).toLowerCase();
}

/** The streams an installation takes when the default ones belong to another: the defaults with its tag. */
export function derivedNames(installationId: string): StreamNames {
  const tag = installationTag(installationId);
  return { stream: `deploydb:${tag}:events`, triggerStream: `deploydb:${tag}:triggers` };
}

/**
 * Claims every stream whose owner key is unset for the installation, unless one of them is
 * another's: then claims none and answers that stream's position in KEYS and its owner. Atomic,
 * so that two installations starting together cannot both take a stream.
 * KEYS: the owner keys. ARGV: the installation id.
 */
export const CLAIM_SCRIPT = `
for i, key in ipairs(KEYS) do
  local owner = redis.call('GET', key)
  if owner and owner ~= ARGV[1] then
    return {i, owner}
  end
end
for _, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[1], 'NX')
end
return false
`;

/** Start-up refused: a stream to use belongs to another installation. */
export class StreamOwnedElsewhere extends Error {
  constructor(
    readonly stream: string,
    readonly owner: string,
    readonly installationId: string,
  ) {
    super(`Redis stream ${stream} belongs to DeployDB installation ${owner}, not to this one (${installationId})`);
    this.name = 'StreamOwnedElsewhere';
  }
}

/**
 * The entry id just before `id` (`ms-seq`), so that a consumer group created there delivers `id`
 * itself first.
 */
export function entryBefore(id: string): string {
  const [ms, seq] = id.split('-').map((part) => BigInt(part)) as [bigint, bigint];
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  if (ms > 0n) return `${ms - 1n}-18446744073709551615`;
  return '0';
}
