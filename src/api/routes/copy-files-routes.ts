// GET /obr/v1/virtual-machines/{id}/copies/{copy-id}/files: one directory of a snapshot's or
// backup's file system, for choosing what restore-files restores (the contract has no such
// call). Paged like the lists; the first call for a copy materialises its disk (seconds), later
// ones read the cached image.
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import { actorOf } from "../../auth/tokens.ts";
import { BROWSE_LIMIT_MAX, type CopyFilesUseCases } from "../../services/protection/copy-files.ts";

export const COPY_FILES_PATH = "/obr/v1/virtual-machines/:id/copies/:copyId/files";

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }), copyId: Type.String({ minLength: 1, maxLength: 256 }) });
const Query = Type.Object({
  path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: "absolute path of a directory; default /" })),
  disk: Type.Optional(Type.Integer({ minimum: 0, maximum: 63, description: "the copy's disk, numbered from 0; default 0" })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: BROWSE_LIMIT_MAX, description: "default 100" })),
});
const Entry = Type.Object({
  name: Type.String(),
  path: Type.String(),
  type: Type.Union([Type.Literal("file"), Type.Literal("directory"), Type.Literal("symlink"), Type.Literal("other")]),
  sizeInBytes: Type.Integer(),
  modifiedAt: Type.String({ format: "date-time" }),
});
const Page = Type.Object({ items: Type.Array(Entry), count: Type.Integer(), offset: Type.Integer(), total: Type.Integer() });
const E = Type.Ref("ErrorResponse");

export async function copyFilesRoutes(app: FastifyInstance, files: CopyFilesUseCases): Promise<void> {
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    COPY_FILES_PATH,
    {
      schema: {
        tags: ["virtual-machine copies (obr)"],
        summary: "List a directory of a VM snapshot's or backup's file system (directories first, then by name)",
        params: Params,
        querystring: Query,
        response: { 200: Page, 400: E, 401: E, 403: E, 404: E, 500: E },
      },
    },
    (request) => files.browse(actorOf(request.principal), request.params.id, request.params.copyId, request.query),
  );
}
