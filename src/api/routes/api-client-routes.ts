// Admin management of API clients, all within the caller's workspace: GET/POST
// /obr/v1/api-clients, DELETE and PATCH (role) /obr/v1/api-clients/{id}, and POST
// /obr/v1/api-clients/{id}/rotate (a new secret, shown once). An admin may also open a new
// workspace with a first client (`"newWorkspace": true`, the id is generated), but can never add a
// client to another workspace, nor learn whether one exists.
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import { ROLES, type Role } from "../../auth/tokens.ts";
import { AppError } from "../../domain/app-error.ts";
import type { ApiClientService } from "../../services/api-clients.ts";
import { NameString } from "../../domain/schemas/name-schema.ts";

const BASE = "/obr/v1/api-clients";
const ClientSchema = Type.Object({
  id: Type.String(),
  clientId: Type.String(),
  name: Type.String(),
  role: Type.Enum([...ROLES]),
  workspaceId: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
});
const NewClientSchema = Type.Object({ ...ClientSchema.properties, clientSecret: Type.String() });
const CreateSchema = Type.Object(
  {
    name: NameString({ maxLength: 255 }),
    role: Type.Enum([...ROLES]),
    workspaceId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9._-]+$", description: "your own workspace (the default)" })),
    newWorkspace: Type.Optional(Type.Boolean({ description: "open a new workspace with a generated id for this client" })),
  },
  { additionalProperties: false },
);
const UpdateSchema = Type.Object({ role: Type.Enum([...ROLES]) }, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ maxLength: 256 }) });

export async function apiClientRoutes(app: FastifyInstance, clients: ApiClientService): Promise<void> {
  const config = { minRole: "admin" as Role };
  const tags = ["api-clients (obr)"];
  const notSelf = (id: string, principal: { id: string; clientId: string }, what: string) => {
    if (id === principal.id || id === principal.clientId) throw AppError.badRequest(`an API client cannot ${what} itself`);
  };

  app.get(BASE, { config, schema: { tags, summary: "List the API clients of this workspace", response: { 200: Type.Object({ items: Type.Array(ClientSchema), count: Type.Integer() }) } } }, async (request) => {
    const items = await clients.list(request.principal.customerId);
    return { items, count: items.length };
  });
  app.post<{ Body: Static<typeof CreateSchema> }>(
    BASE,
    { config, schema: { tags, summary: "Create an API client (the secret is shown once)", body: CreateSchema, response: { 201: NewClientSchema } } },
    async (request, reply) => reply.code(201).send(await clients.createFor(request.principal, request.body)),
  );
  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof UpdateSchema> }>(
    `${BASE}/:id`,
    { config, schema: { tags, summary: "Change an API client's role; its tokens carry the new role within seconds", params: IdParams, body: UpdateSchema, response: { 200: ClientSchema } } },
    async (request) => {
      notSelf(request.params.id, request.principal, "change the role of");
      return clients.setRole(request.params.id, request.body.role, request.principal.customerId);
    },
  );
  app.post<{ Params: Static<typeof IdParams> }>(
    `${BASE}/:id/rotate`,
    { config, schema: { tags, summary: "Give an API client a new secret (shown once); the old one stops working", params: IdParams, response: { 200: NewClientSchema } } },
    async (request) => clients.rotate(request.params.id, request.principal.customerId),
  );
  app.delete<{ Params: Static<typeof IdParams> }>(
    `${BASE}/:id`,
    { config, schema: { tags, summary: "Delete an API client; its tokens stop working", params: IdParams } },
    async (request, reply) => {
      notSelf(request.params.id, request.principal, "delete");
      await clients.delete(request.params.id, request.principal.customerId);
      return reply.code(204).send();
    },
  );
}
