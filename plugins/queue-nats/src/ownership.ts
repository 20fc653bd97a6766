/**
 * Which DeployDB installation a JetStream stream belongs to. The first installation to use a
 * stream records itself in the stream's description (every NATS server with JetStream keeps one);
 * another installation must then never consume from it, or it would take the owner's events.
 */

/** The stream and subject prefix of CONTRACT §5, used unless `stream` / `subjectPrefix` are set. */
export const DEFAULT_STREAM = 'DEPLOYDB';
export const DEFAULT_SUBJECT_PREFIX = '';

const MARK = /\bDeployDB installation ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/i;

/** Where an installation's events go: its stream and the prefix in front of every subject. */
export interface BusNames {
  stream: string;
  subjectPrefix: string;
}

/** The installation a stream's description names as its owner, if any. */
export function ownerOf(description: string | undefined): string | undefined {
  return description ? MARK.exec(description)?.[1]?.toLowerCase() : undefined;
}

/** The description of a stream claimed by `installationId`, keeping what it said before. */
export function claimedDescription(description: string | undefined, installationId: string): string {
  const mark = `DeployDB installation ${installationId}`;
  return description ? `${description} (${mark})` : `DeployDB events of ${mark}`;
}

/** A short, stable tag of an installation for names: the first 12 hex digits of its id. */
export function installationTag(installationId: string): string {
  return installationId.replace(/-/g, '').slice(0, 12).toLowerCase();
}

/**
 * The names an installation takes when the default stream belongs to another: the defaults
 * with its tag, in the stream's name and in front of every subject (so that they overlap none of
 * the owner's: NATS refuses two streams capturing one subject).
 */
export function derivedNames(installationId: string): BusNames {
  const tag = installationTag(installationId);
  return { stream: `${DEFAULT_STREAM}_${tag.toUpperCase()}`, subjectPrefix: `${DEFAULT_SUBJECT_PREFIX}${tag}.` };
}

/** Start-up refused: the stream to use belongs to another installation. */
export class StreamOwnedElsewhere extends Error {
  constructor(
    readonly stream: string,
    readonly owner: string,
    readonly installationId: string,
  ) {
    super(`stream ${stream} belongs to DeployDB installation ${owner}, not to this one (${installationId})`);
    this.name = 'StreamOwnedElsewhere';
  }
}
