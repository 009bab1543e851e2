// The data-orchestrators operations of backup-recovery/v1beta1. The embedded orchestrator is the
// server process itself: it cannot be unregistered, restarted, shut down or recovered through the
// API (409 with the reason). A separate one is paired by activation code; its restart, shutdown
// and support bundle are jobs targeted at it, run by that process.
import { randomBytes } from "node:crypto";
import type { Static } from "typebox";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import { ORCHESTRATOR_JOBS, REMOTE_ORCHESTRATOR_JOBS } from "../../domain/orchestrator-job-types.ts";
import type { OperationOutcome, ResourceOutcome } from "../../domain/outcome.ts";
import type {
  DataOrchestratorCreateSchema,
  DataOrchestratorPowerSchema,
  DataOrchestratorRecoverSchema,
  DataOrchestratorRemoteSupportSchema,
  DataOrchestratorUpdateSchema,
  SupportBundleCreateSchema,
  TotpResponseSchema,
} from "../../domain/schemas/data-orchestrator-schemas.ts";
import { totp } from "../../domain/totp.ts";
import type { AsyncOperationService, UnitOfWork } from "../async-operations.ts";
import type { OrchestratorDoc } from "../inventory/data-orchestrators.ts";
import type { DataOrchestrators } from "../inventory/data-orchestrators.ts";
import type { OrchestratorPairing } from "./orchestrator-pairing.ts";
import type { OrchestratorRecords } from "../ports/orchestrator-records.ts";

export type OrchestratorPatch = Static<typeof DataOrchestratorUpdateSchema>;
type Totp = Static<typeof TotpResponseSchema>;

export interface DataOrchestratorUseCases {
  pair(actor: Actor, command: Static<typeof DataOrchestratorCreateSchema>): Promise<ResourceOutcome>;
  update(actor: Actor, id: string, patch: OrchestratorPatch, ifMatch?: number): Promise<OperationOutcome>;
  unregister(actor: Actor, id: string, ifMatch?: number): Promise<undefined>;
  generateTotp(actor: Actor, id: string): Promise<ResourceOutcome>;
  restart(actor: Actor, id: string, command: Static<typeof DataOrchestratorPowerSchema>): Promise<OperationOutcome>;
  shutdown(actor: Actor, id: string, command: Static<typeof DataOrchestratorPowerSchema>): Promise<OperationOutcome>;
  setRemoteSupport(actor: Actor, id: string, command: Static<typeof DataOrchestratorRemoteSupportSchema>): Promise<OperationOutcome>;
  recover(actor: Actor, id: string, command: Static<typeof DataOrchestratorRecoverSchema>): Promise<OperationOutcome>;
  generateSupportBundle(actor: Actor, id: string, command: Static<typeof SupportBundleCreateSchema>): Promise<OperationOutcome>;
}

export interface DataOrchestratorDeps {
  records: OrchestratorRecords;
  orchestrators: DataOrchestrators;
  pairing: OrchestratorPairing;
  operations: AsyncOperationService;
  /** Tells the local worker that a job was queued. */
  wake(): void;
}

const ref = (doc: OrchestratorDoc) => ({ name: doc.displayName, resourceUri: doc.resourceUri, type: String(doc.type) });

/** The proxy password is used, never kept: not in the document, not in the job's payload. */
function withoutPassword(patch: OrchestratorPatch): OrchestratorPatch {
  const credentials = patch.network?.proxy?.credentials;
  if (!credentials || !patch.network?.proxy) return patch;
  const { password: _dropped, ...kept } = credentials;
  return { ...patch, network: { ...patch.network, proxy: { ...patch.network.proxy, credentials: kept } } };
}

export function dataOrchestratorUseCases(deps: DataOrchestratorDeps): DataOrchestratorUseCases {
  const repository = deps.orchestrators.repository;

  const load = async (actor: Actor, id: string): Promise<OrchestratorDoc> => {
    await deps.orchestrators.ensureEmbedded(actor.workspaceId);
    const doc = await repository.get<OrchestratorDoc>(actor.workspaceId, id);
    if (!doc) throw AppError.notFound(`data-orchestrators '${id}' not found`);
    return doc;
  };
  const separateOnly = (doc: OrchestratorDoc, what: string) => {
    if (doc.deployment === "EMBEDDED") {
      throw AppError.conflict(`the embedded data orchestrator runs inside the obr server process and cannot be ${what} through the API; ${what === "unregistered" ? "it exists as long as the server does" : "do that to the server itself"}`);
    }
  };
  /** Records the operation (with the orchestrator's busy state, if any) and queues its job. */
  const start = async (actor: Actor, doc: OrchestratorDoc, name: string, jobType: string, payload: object, options: { target?: string; busy?: (uow: UnitOfWork) => Promise<unknown> } = {}) => {
    const { operation } = await deps.operations.start(options.busy ?? (async () => undefined), () => ({
      customerId: actor.workspaceId,
      userId: actor.clientId,
      name: `${name} ${doc.displayName}`,
      sourceResourceUri: doc.resourceUri,
      associatedResources: [ref(doc)],
      jobType,
      payload: { orchestratorId: doc.id, ...payload },
      ...(options.target ? { target: options.target } : {}),
    }));
    deps.wake();
    return { operationId: operation.id };
  };
  const remote = async (actor: Actor, id: string, what: string, name: string, jobType: string, payload: object) => {
    const doc = await load(actor, id);
    separateOnly(doc, what);
    if (doc.connectionState !== "CONNECTED") throw AppError.conflict(`data orchestrator '${doc.displayName}' is DISCONNECTED; it cannot be ${what} until it reports again`);
    return start(actor, doc, name, jobType, payload, { target: doc.id });
  };

  return {
    async pair(actor, command) {
      return { resource: await deps.pairing.pair(actor, command.activationCode, command.displayName) };
    },

    async update(actor, id, patch, ifMatch) {
      const doc = await load(actor, id);
      const busy = (uow: UnitOfWork) =>
        repository.update<OrchestratorDoc>(
          actor.workspaceId,
          id,
          ifMatch,
          (d) => {
            if (d.state === "UPDATING" || d.state === "RECOVERING") throw AppError.conflict(`data orchestrator '${d.displayName}' is ${d.state.toLowerCase()}; try again when it is done`);
            return { ...d, state: "UPDATING" };
          },
          uow,
        );
      return start(actor, doc, "Update data orchestrator", ORCHESTRATOR_JOBS.update, { patch: withoutPassword(patch) }, { busy });
    },

    async unregister(actor, id, ifMatch) {
      await load(actor, id);
      // The row holds the credential's hash: deleting it revokes the credential at once, and the
      // process's next call (heartbeat, renew, progress) is refused, so it stops its work. Its
      // activation codes go in the same transaction.
      await repository.transaction(async (uow) => {
        await repository.delete<OrchestratorDoc>(actor.workspaceId, id, ifMatch, (doc) => separateOnly(doc, "unregistered"), uow);
        await deps.records.forgetActivationsOf(actor.workspaceId, id, uow);
      });
      return undefined;
    },

    async generateTotp(actor, id) {
      await load(actor, id);
      // First use: a 160-bit seed (RFC 4226's recommendation for HMAC-SHA1), kept only in its column.
      const seed = (await deps.records.totpSeed(actor.workspaceId, id)) ?? (await deps.records.initTotpSeed(actor.workspaceId, id, randomBytes(20).toString("hex")));
      const { code, expiresInSeconds } = totp(Buffer.from(seed, "hex"), repository.clock.now() / 1000);
      const body: Totp = { totp: code, expiresInSeconds: String(expiresInSeconds) };
      return { resource: body };
    },

    restart: (actor, id, command) => remote(actor, id, "restarted", "Restart data orchestrator", REMOTE_ORCHESTRATOR_JOBS.restart, { force: command.force ?? true }),
    shutdown: (actor, id, command) => remote(actor, id, "shut down", "Shut down data orchestrator", REMOTE_ORCHESTRATOR_JOBS.shutdown, { force: command.force ?? true }),

    async setRemoteSupport(actor, id, command) {
      const doc = await load(actor, id);
      return start(actor, doc, "Set remote support of data orchestrator", ORCHESTRATOR_JOBS.setRemoteSupport, { remoteAccessEnabled: command.remoteAccessEnabled ?? false });
    },

    async recover(actor, id, command) {
      const doc = await load(actor, id);
      separateOnly(doc, "recovered");
      if (!(await deps.pairing.isPending(command.sid))) throw AppError.badRequest(`sid '${command.sid}' is not the activation code of a waiting \`obr orchestrator\` process`);
      const busy = (uow: UnitOfWork) => repository.update<OrchestratorDoc>(actor.workspaceId, id, undefined, (d) => ({ ...d, state: "RECOVERING" }), uow);
      return start(actor, doc, "Recover data orchestrator", ORCHESTRATOR_JOBS.recover, { activationCode: command.sid }, { busy });
    },

    async generateSupportBundle(actor, id, command) {
      const doc = await load(actor, id);
      const payload = { description: command.description ?? "" };
      if (doc.deployment === "EMBEDDED") return start(actor, doc, "Generate support bundle of data orchestrator", ORCHESTRATOR_JOBS.supportBundle, payload);
      return remote(actor, id, "asked for a support bundle", "Generate support bundle of data orchestrator", REMOTE_ORCHESTRATOR_JOBS.supportBundle, payload);
    },
  };
}
