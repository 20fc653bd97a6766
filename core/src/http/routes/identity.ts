import Type from 'typebox';
import { ROLES } from '../../config/model.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { json } from '../answers.js';

const CallerSchema = Type.Object(
  {
    name: Type.Union([Type.String(), Type.Null()], { description: "the token's name; null without auth" }),
    roles: Type.Array(Type.Union(ROLES.map((role) => Type.Literal(role))), {
      description: 'every role the token holds, implied ones included (admin holds all four; every role holds read)',
    }),
  },
  { $id: 'Caller' },
);

/** Who the caller is: lets a client (the dashboard) show only what the token's roles allow. */
export function identityRoutes(): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/me',
      operationId: 'getCurrentCaller',
      tag: 'system',
      summary: "The caller: the token's name and roles (without auth: name null and every role)",
      query: Type.Object({}),
      responses: { 200: { description: 'The caller', schema: CallerSchema } },
      handler: ({ caller, c }) => json(c, 200, { name: caller.name, roles: caller.roles }),
    }),
  ];
}
