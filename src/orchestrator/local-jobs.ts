// The jobs a separate orchestrator runs itself (targeted at it by the control plane): restart,
// shutdown, its support bundle, the tiers of protection runs and restores of the VMs it
// protects (the data moves here, on its own data plane, as the control plane's plan says; the
// control plane records the result), and with OBR_TEST_JOBS=1 the test job of the suite.
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { type Static, type TSchema, Type } from "typebox";
import { Value } from "typebox/value";
import { REMOTE_ORCHESTRATOR_JOBS } from "../domain/orchestrator-job-types.ts";
import { redact, tarGz } from "../services/infrastructure/tar-gz.ts";
import type { OrchestratorFacts } from "../services/infrastructure/orchestrator-facts.ts";
import type { ResourceRef } from "./control-plane-client.ts";
import type { DataPlane, DataWork } from "../services/protection/data-plane.ts";
import { JOB_PROTECTION_TIER } from "../services/protection/run-tier-payload.ts";
import { moveTierData } from "../services/protection/tier-data.ts";
import { TierPlan } from "../services/protection/tier-plan.ts";
import { moveRestoreData } from "../services/protection/restore-data.ts";
import { JOB_RESTORE, RestorePayload } from "../services/protection/restore-payload.ts";
import { RestorePlan } from "../services/protection/restore-plan.ts";

export interface LocalJobContext {
  jobId: string;
  payload: unknown;
  /** What the control plane planned for the job (job types that move data). */
  plan: unknown;
  signal: AbortSignal;
  progress(percent: number, message?: string): Promise<void>;
  uploadBundle(archive: Buffer): Promise<ResourceRef>;
}

/** What the process does once the job is reported complete. */
export type After = "continue" | "restart" | "shutdown";

export interface LocalJobResult {
  associatedResources?: ResourceRef[];
  /** What the job produced, for the control plane to check and record. */
  result?: unknown;
  after?: After;
}

export interface LocalJobEnv {
  /** The process's settings, shown (secrets removed) in the support bundle. */
  settings: object;
  logFile: string;
  facts(): OrchestratorFacts;
  testJobs: boolean;
  /** Where this process moves data: the hypervisor's connector and the chunk stores. */
  dataPlane: DataPlane;
}

/** The last part of the log a bundle carries. */
const LOG_TAIL_BYTES = 4 * 1024 * 1024;

export type LocalJob = (ctx: LocalJobContext) => Promise<LocalJobResult>;

export function localJobs(env: LocalJobEnv): Map<string, LocalJob> {
  const jobs = new Map<string, LocalJob>();
  jobs.set(REMOTE_ORCHESTRATOR_JOBS.restart, async () => ({ after: "restart" }));
  jobs.set(REMOTE_ORCHESTRATOR_JOBS.shutdown, async () => ({ after: "shutdown" }));
  jobs.set(REMOTE_ORCHESTRATOR_JOBS.supportBundle, async (ctx) => {
    const log = await readFile(env.logFile).catch(() => Buffer.alloc(0));
    const description = Value.Check(Type.Object({ description: Type.String() }), ctx.payload) ? ctx.payload.description : "";
    await ctx.progress(30, "collected the log, settings and facts");
    const archive = tarGz([
      { name: "bundle/README.txt", content: `obr orchestrator support bundle\n${description}\nSecrets (credential, poll secret, URL credentials) are removed.\n` },
      { name: "bundle/orchestrator.log", content: log.subarray(Math.max(0, log.length - LOG_TAIL_BYTES)) },
      { name: "bundle/settings.json", content: JSON.stringify(redact(env.settings), null, 2) },
      { name: "bundle/facts.json", content: JSON.stringify(env.facts(), null, 2) },
    ]);
    const bundle = await ctx.uploadBundle(archive);
    return { associatedResources: [bundle] };
  });
  /** A job that moves data: check the plan it came with, run it, report the result. */
  const moving = <S extends TSchema>(schema: S, move: (plan: Static<S>, work: DataWork, payload: unknown) => Promise<unknown>): LocalJob => async (ctx) => {
    if (!Value.Check(schema, ctx.plan)) throw new Error("the control plane sent no usable plan for this job");
    let percent = 0;
    const work: DataWork = {
      signal: ctx.signal,
      progress: async (p, message) => {
        percent = Math.max(percent, p);
        await ctx.progress(p, message);
      },
      log: (message) => ctx.progress(percent, message),
    };
    return { result: await move(ctx.plan, work, ctx.payload) };
  };
  jobs.set(JOB_PROTECTION_TIER, moving(TierPlan, (plan, work) => moveTierData(env.dataPlane, plan, work)));
  jobs.set(
    JOB_RESTORE,
    moving(RestorePlan, (plan, work, payload) => {
      if (!Value.Check(RestorePayload, payload)) throw new Error("the restore's payload is not one this orchestrator understands");
      return moveRestoreData(env.dataPlane, payload, plan, work);
    }),
  );
  if (env.testJobs) {
    jobs.set(REMOTE_ORCHESTRATOR_JOBS.test, async (ctx) => {
      const sleepMs = Value.Check(Type.Object({ sleepMs: Type.Integer({ minimum: 0 }) }), ctx.payload) ? ctx.payload.sleepMs : 0;
      await ctx.progress(10, `test job running in process ${process.pid}`);
      await sleep(sleepMs, undefined, { signal: ctx.signal });
      return {};
    });
  }
  return jobs;
}
