// Server-side job types of data orchestrator operations: settings kept and returned (PATCH,
// remote support), recovery onto a new process, and the embedded orchestrator's support bundle.
import { randomUUID } from "node:crypto";
import { Type } from "typebox";
import { AppError } from "../domain/app-error.ts";
import { ORCHESTRATOR_JOBS } from "../domain/orchestrator-job-types.ts";
import { DataOrchestratorUpdateSchema } from "../domain/schemas/data-orchestrator-schemas.ts";
import type { AsyncOperationService, UnitOfWork } from "../services/async-operations.ts";
import type { OrchestratorPatch } from "../services/infrastructure/data-orchestrator-use-cases.ts";
import type { OrchestratorFacts } from "../services/infrastructure/orchestrator-facts.ts";
import type { OrchestratorPairing } from "../services/infrastructure/orchestrator-pairing.ts";
import type { SupportBundles } from "../services/infrastructure/support-bundles.ts";
import { redact, tarGz } from "../services/infrastructure/tar-gz.ts";
import type { DataOrchestrators, OrchestratorDoc } from "../services/inventory/data-orchestrators.ts";
import { type JobHandler, defineJob } from "./job-handler.ts";

export interface OrchestratorJobDeps {
  orchestrators: DataOrchestrators;
  pairing: OrchestratorPairing;
  bundles: SupportBundles;
  operations: AsyncOperationService;
  /** The server's configuration, secrets included (the bundle removes them). */
  config: object;
  facts(): OrchestratorFacts;
}

const Target = { orchestratorId: Type.String() };
/** Operations of the workspace written into a bundle's operations.log, newest first. */
const BUNDLE_OPERATIONS = 200;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** RFC 7396 merge: objects merge key by key, anything else (arrays included) replaces. */
function merge(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return patch;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) out[k] = merge(out[k], v);
  return out;
}

/** The document after a PATCH: network settings live under interfaces.network, as GET shows them. */
export function applySettings(doc: OrchestratorDoc, patch: OrchestratorPatch): OrchestratorDoc {
  const next: OrchestratorDoc = { ...doc };
  if (patch.displayName !== undefined) next.displayName = patch.displayName;
  if (patch.dateTime) next.dateTime = merge(doc.dateTime, patch.dateTime);
  if (patch.network) next.interfaces = merge(doc.interfaces, { network: patch.network });
  // compat: obr does not reach the NTP servers; it keeps and returns them, and reports OK.
  if (patch.ntp) next.ntp = { ...(isObj(doc.ntp) ? doc.ntp : {}), ...patch.ntp, state: "OK", status: "OK" };
  return next;
}

export function orchestratorJobs(deps: OrchestratorJobDeps): JobHandler[] {
  const repository = deps.orchestrators.repository;
  const settle = (customerId: string, id: string, change: (d: OrchestratorDoc) => OrchestratorDoc, uow?: UnitOfWork) =>
    repository.update<OrchestratorDoc>(customerId, id, undefined, change, uow).catch((err: unknown) => {
      if (!(err instanceof AppError && err.httpStatusCode === 404)) throw err;
    });
  const backToOk = async (ctx: { customerId: string; payload: { orchestratorId: string }; uow: UnitOfWork }) => {
    await settle(ctx.customerId, ctx.payload.orchestratorId, (d) => ({ ...d, state: "OK" }), ctx.uow);
  };

  return [
    defineJob({
      type: ORCHESTRATOR_JOBS.update,
      payload: Type.Object({ ...Target, patch: DataOrchestratorUpdateSchema }),
      resumable: true,
      async run(ctx) {
        const { orchestratorId, patch } = ctx.payload;
        const doc = await repository.update<OrchestratorDoc>(ctx.customerId, orchestratorId, undefined, (d) => ({ ...applySettings(d, patch), state: "OK" }));
        return [{ name: doc.displayName, resourceUri: doc.resourceUri, type: String(doc.type) }];
      },
      onFailure: backToOk,
      onAbandon: backToOk,
    }),
    defineJob({
      type: ORCHESTRATOR_JOBS.setRemoteSupport,
      payload: Type.Object({ ...Target, remoteAccessEnabled: Type.Boolean() }),
      resumable: true,
      async run(ctx) {
        const { orchestratorId, remoteAccessEnabled } = ctx.payload;
        const doc = await repository.update<OrchestratorDoc>(ctx.customerId, orchestratorId, undefined, (d) => {
          const next: OrchestratorDoc = { ...d, remoteAccessEnabled };
          // A remote support session is identified by its station id while it is allowed.
          if (remoteAccessEnabled) next.remoteAccessStationId = typeof d.remoteAccessStationId === "string" ? d.remoteAccessStationId : randomUUID();
          else delete next.remoteAccessStationId;
          return next;
        });
        return [{ name: doc.displayName, resourceUri: doc.resourceUri, type: String(doc.type) }];
      },
    }),
    defineJob({
      type: ORCHESTRATOR_JOBS.recover,
      payload: Type.Object({ ...Target, activationCode: Type.String() }),
      resumable: true,
      async run(ctx) {
        const { orchestratorId, activationCode } = ctx.payload;
        if (!(await deps.pairing.rebind(ctx.customerId, orchestratorId, activationCode))) {
          throw AppError.badRequest(`activation code '${activationCode}' is no longer waiting to be paired`);
        }
        await ctx.log("the new process collects a credential that replaces the old one");
        const doc = await repository.update<OrchestratorDoc>(ctx.customerId, orchestratorId, undefined, (d) => ({ ...d, state: "OK", latestRecoveryPoint: new Date().toISOString() }));
        return [{ name: doc.displayName, resourceUri: doc.resourceUri, type: String(doc.type) }];
      },
      onFailure: backToOk,
      onAbandon: backToOk,
    }),
    defineJob({
      type: ORCHESTRATOR_JOBS.supportBundle,
      payload: Type.Object({ ...Target, description: Type.String() }),
      resumable: true,
      async run(ctx) {
        const doc = await repository.get<OrchestratorDoc>(ctx.customerId, ctx.payload.orchestratorId);
        if (!doc) throw AppError.notFound(`data orchestrator '${ctx.payload.orchestratorId}' was unregistered`);
        const recent = await deps.operations.repository.list(ctx.customerId, { orderBy: [], offset: 0, limit: BUNDLE_OPERATIONS });
        const lines = recent.docs.flatMap((raw) => {
          const op: unknown = JSON.parse(raw);
          if (!isObj(op) || !Array.isArray(op.logMessages)) return [];
          return op.logMessages.filter(isObj).map((m) => `${String(m.timestamp)} ${String(op.id)} ${String(op.state)} ${String(op.name)}: ${String(m.message)}`);
        });
        await ctx.progress(50, "collected configuration, facts and operation logs");
        const archive = tarGz([
          { name: "bundle/README.txt", content: `obr support bundle of data orchestrator ${doc.id}\n${ctx.payload.description}\nSecrets (passwords, keys, tokens, URL credentials) are removed.\n` },
          { name: "bundle/orchestrator.json", content: JSON.stringify(redact(doc), null, 2) },
          { name: "bundle/facts.json", content: JSON.stringify(deps.facts(), null, 2) },
          { name: "bundle/config.json", content: JSON.stringify(redact(deps.config), null, 2) },
          { name: "bundle/operations.log", content: `${lines.sort().join("\n")}\n` },
        ]);
        const bundle = await deps.bundles.save(ctx.customerId, ctx.operation.id, archive);
        return [{ name: doc.displayName, resourceUri: doc.resourceUri, type: String(doc.type) }, bundle];
      },
    }),
  ];
}
