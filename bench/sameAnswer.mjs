import { isDeepStrictEqual } from 'node:util';

/**
 * DeployDB's and the floor's answers to `path`, and whether they are alike: the same status and
 * the same JSON (a history page's cursor is opaque, each server's own: only whether there is one
 * counts, and it is shown as true or false).
 */
export async function compareAnswers(deploydbUrl, floorUrl, path) {
  const [deploydb, floor] = await Promise.all(
    [deploydbUrl, floorUrl].map(async (url) => {
      const response = await fetch(`${url}${path}`);
      return { status: response.status, body: await response.json() };
    }),
  );
  for (const answer of [deploydb, floor]) {
    if (answer.body && typeof answer.body === 'object' && 'nextCursor' in answer.body) answer.body.nextCursor = answer.body.nextCursor !== null;
  }
  return { same: isDeepStrictEqual(deploydb, floor), deploydb, floor };
}
