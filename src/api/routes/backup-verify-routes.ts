// POST /obr/v1/backups/{id}/verify: on-demand verification of one VM backup (the contract has no
// such operation). 202 with the async operation in Location; operators and admins.
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import { ASYNC_OPERATIONS_PATH } from "../../domain/paths.ts";
import { actorOf } from "../../auth/tokens.ts";
import type { BackupVerifyUseCases } from "../../services/protection/backup-verify.ts";

export const BACKUP_VERIFY_PATH = "/obr/v1/backups/:id/verify";
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });

export async function backupVerifyRoutes(app: FastifyInstance, verify: BackupVerifyUseCases): Promise<void> {
  app.post<{ Params: Static<typeof IdParams> }>(
    BACKUP_VERIFY_PATH,
    {
      config: { minRole: "operator" },
      schema: { tags: ["backups (obr)"], summary: "Verify a VM backup: re-read and re-hash every chunk", params: IdParams, response: { 202: Type.Object({}) } },
    },
    async (request, reply) => {
      const { operationId } = await verify.verify(actorOf(request.principal), request.params.id);
      return reply.code(202).header("location", `${ASYNC_OPERATIONS_PATH}/${operationId}`).send({});
    },
  );
}
