import Type from 'typebox';
import { ArtifactInput } from '../../domain/inputs.js';
import type { Registration } from '../../domain/ledger.js';
import { ArtifactSchema, FlowSchema } from '../../domain/shapes.js';
import { notFound } from '../../errors.js';
import type { ApiContext } from '../apiContext.js';
import { decodeCursor, keysetPage, PageQuery, pageOf } from '../pagination.js';
import { defineRoute, IdParam, type RouteSpec } from '../route.js';
import { json } from '../answers.js';

const ModuleParam = Type.Object({ module: Type.String({ pattern: '^[^:]+:[^:]+$', description: 'group:name' }) });
const splitModule = (module: string) => {
  const [group, name] = module.split(':') as [string, string];
  return { group, name };
};

export function artifactRoutes(api: ApiContext): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/artifacts',
      operationId: 'registerArtifact',
      tag: 'artifacts',
      summary: 'Register an artifact; starts a flow per service and pipeline that take its module',
      roles: ['ci', 'admin'],
      body: ArtifactInput,
      responses: {
        201: { description: 'Registered', schema: Type.Intersect([ArtifactSchema, Type.Object({ flows: Type.Array(FlowSchema) })]), headers: { Location: 'the artifact URL' } },
      },
      errors: [404, 409, 413, 415, 422],
      audit: {
        action: 'artifact.register',
        target: (_, answer?: Registration) => (answer ? `artifacts/${answer.artifact.id}` : 'artifacts'),
        detail: ({ body }) => (body ? { group: body.group, name: body.name, version: body.version } : {}),
      },
      async handler({ body, audit, c }) {
        const { artifact, flows } = await api.ledger.registerArtifact(body, audit);
        return json(c, 201, { ...artifact, flows }, { location: `/api/artifacts/${artifact.id}` });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/artifacts',
      operationId: 'listArtifacts',
      tag: 'artifacts',
      summary: 'List or search artifacts (q: substring of group, name or version)',
      query: Type.Object({ q: Type.Optional(Type.String({ maxLength: 8192 })), group: Type.Optional(Type.String()), name: Type.Optional(Type.String()), ...PageQuery }),
      responses: { 200: { description: 'A page of artifacts', schema: pageOf(ArtifactSchema) } },
      async handler({ query, c }) {
        const limit = query.limit ?? 50;
        const page = await api.reads.artifacts(query, { after: decodeCursor(query.cursor), limit });
        return json(c, 200, keysetPage(page));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/artifacts/by-module/:module',
      operationId: 'listModuleVersions',
      tag: 'artifacts',
      summary: 'Versions of a module (group:name), oldest first',
      params: ModuleParam,
      query: Type.Object(PageQuery),
      responses: { 200: { description: 'A page of artifacts', schema: pageOf(ArtifactSchema) } },
      async handler({ params, query, c }) {
        const limit = query.limit ?? 50;
        const page = await api.reads.artifacts(splitModule(params.module), { after: decodeCursor(query.cursor), limit });
        return json(c, 200, keysetPage(page));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/artifacts/by-module/:module/latest',
      operationId: 'getLatestModuleVersion',
      tag: 'artifacts',
      summary: 'The newest registered version of a module',
      params: ModuleParam,
      responses: { 200: { description: 'The artifact', schema: ArtifactSchema } },
      errors: [404],
      async handler({ params, c }) {
        const { group, name } = splitModule(params.module);
        const artifact = await api.reads.latestArtifact(group, name);
        if (!artifact) throw notFound(`module ${params.module}`);
        return json(c, 200, artifact);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/artifacts/:id',
      operationId: 'getArtifact',
      tag: 'artifacts',
      summary: 'One artifact',
      params: Type.Object({ id: IdParam }),
      responses: { 200: { description: 'The artifact', schema: ArtifactSchema } },
      errors: [404],
      async handler({ params, c }) {
        const artifact = await api.reads.artifact(params.id);
        if (!artifact) throw notFound(`artifact ${params.id}`);
        return json(c, 200, artifact);
      },
    }),
  ];
}
