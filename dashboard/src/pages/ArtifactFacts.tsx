import type { Artifact } from '../api/types';
import { href } from '../router';
import { ExternalLink } from '../ui/ExternalLink';
import { At } from '../ui/Time';

/** An artifact's coordinates and where it came from. */
export function ArtifactFacts({ artifact, link = true }: { artifact: Artifact; link?: boolean }) {
  return (
    <dl class="facts">
      <dt>Artifact</dt>
      <dd class="mono">{link ? <a href={href('artifact', artifact.id)}>{`${artifact.group}:${artifact.name}:${artifact.version}`}</a> : `${artifact.group}:${artifact.name}:${artifact.version}`}</dd>
      <dt>Source</dt>
      <dd>
        <ExternalLink url={artifact.sourceUrl} />
      </dd>
      {artifact.revision ? (
        <>
          <dt>Revision</dt>
          <dd class="mono">{artifact.revision}</dd>
        </>
      ) : null}
      {artifact.committedAt ? (
        <>
          <dt>Committed</dt>
          <dd>
            <At iso={artifact.committedAt} />
          </dd>
        </>
      ) : null}
      <dt>Registered</dt>
      <dd>
        <At iso={artifact.createdAt} />
      </dd>
    </dl>
  );
}
