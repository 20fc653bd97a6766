// Values both seeds write alike (DeployDB's tables and the floor's), over a block `k` joined
// with its rows `x`.
import { GROUP } from './model.mjs';
import { time } from './plan.mjs';
import { isoUtc } from '../sqlTime.mjs';

/** An artifact's columns: id, group, name, version, source URL, revision, committed at, created at. */
export const artifactValues = (id) => {
  const artifactId = id.artifact('k', 'x.slot');
  return `${artifactId}, '${GROUP}', k.service, '1.' || k.train || '.' || x.slot,
          'https://ci.bench.test/' || k.service || '/builds/' || ${artifactId},
          left(md5(${artifactId}::text) || md5(k.service), 40),
          ${time('k', 'x."committedAt"')}, ${time('k', 'x."createdAt"')}`;
};

/** A manual promotion's evidence, as the plugin keeps it: who approved, or who rejected and why. */
export const MANUAL_EVIDENCE = `case x.status
  when 'SUCCESS' then jsonb_build_object('approvals', jsonb_build_array(jsonb_build_object('actor', x.actor, 'at', ${isoUtc(time('k', 'x."settledAt"'))})), 'required', 1)
  when 'FAILED' then jsonb_build_object('approvals', '[]'::jsonb, 'rejectedBy', jsonb_build_object('actor', x.actor, 'at', ${isoUtc(time('k', 'x."settledAt"'))}, 'reason', x.rejection))
  when 'STARTED' then '{"approvals": [], "required": 1}'::jsonb
end`;
