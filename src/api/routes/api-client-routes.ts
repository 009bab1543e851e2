// Admin management of API clients: GET/POST /obr/v1/api-clients, DELETE /obr/v1/api-clients/{id}.
// An admin manages its own workspace's clients, and may open a new workspace with a first client,
// but can never create a client inside another existing workspace.
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { ROLES, type Role } from "../../auth/tokens.ts";
import { AppError } from "../../domain/app-error.ts";
import type { ApiClientService } from "../../services/api-clients.ts";

const BASE = "/obr/v1/api-clients";
const ClientSchema = Type.Object({
  id: Type.String(),
  clientId: Type.String(),
  name: Type.String(),
  role: Type.Enum([...ROLES]),
  workspaceId: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
});
const CreateSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    role: Type.Enum([...ROLES]),
    workspaceId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9._-]+$" })),
  },
  { additionalProperties: false },
);

export async function apiClientRoutes(app: FastifyInstance, clients: ApiClientService): Promise<void> {
  const config = { minRole: "admin" as Role };
  const tags = ["api-clients (obr)"];
  app.get(BASE, { config, schema: { tags, summary: "List the API clients of this workspace", response: { 200: Type.Object({ items: Type.Array(ClientSchema), count: Type.Integer() }) } } }, async (request) => {
    const items = await clients.list(request.principal.customerId);
    return { items, count: items.length };
  });
  app.post<{ Body: { name: string; role: Role; workspaceId?: string } }>(
    BASE,
    { config, schema: { tags, summary: "Create an API client (the secret is shown once)", body: CreateSchema } },
    async (request, reply) => {
      const own = request.principal.customerId;
      const workspaceId = request.body.workspaceId ?? own;
      if (workspaceId !== own && (await clients.workspaceExists(workspaceId))) {
        throw AppError.forbidden(`workspace '${workspaceId}' belongs to other clients`);
      }
      const created = await clients.create({ name: request.body.name, role: request.body.role, workspaceId });
      return reply.code(201).send(created);
    },
  );
  app.delete<{ Params: { id: string } }>(
    `${BASE}/:id`,
    { config, schema: { tags, summary: "Delete an API client; its tokens stop working", params: Type.Object({ id: Type.String({ maxLength: 256 }) }) } },
    async (request, reply) => {
      if (request.params.id === request.principal.id || request.params.id === request.principal.clientId) {
        throw AppError.badRequest("an API client cannot delete itself");
      }
      await clients.delete(request.params.id, request.principal.customerId);
      return reply.code(204).send();
    },
  );
}
