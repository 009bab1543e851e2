// `obr orchestrator`: a data orchestrator as its own process. On first start it announces a
// random activation code and prints it; once a user posts the code (POST /data-orchestrators) it
// collects its credential and keeps it in its state dir (0600), so later starts skip pairing.
// Then it heartbeats and runs the jobs targeted at it, one at a time, renewing each lease; a
// refused credential (unregistered) stops everything.
import { randomBytes, randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Static, Type } from "typebox";
import { Value } from "typebox/value";
import { type OrchestratorFacts, processFacts } from "../services/infrastructure/orchestrator-facts.ts";
import { type ClaimedJob, ControlPlaneClient, LeaseLostError, RevokedError } from "./control-plane-client.ts";
import { type After, type LocalJob, localJobs } from "./local-jobs.ts";
import type { DataPlane } from "../services/protection/data-plane.ts";

export interface OrchestratorOptions {
  server: string;
  stateDir: string;
  heartbeatSeconds: number;
  pollMs: number;
  version: string;
  testJobs: boolean;
  /** Where this process moves data (built by the composition root). */
  dataPlane: DataPlane;
  /** Where the process's own lines go (besides its log file). */
  print(line: string): void;
}

const StateSchema = Type.Object({
  server: Type.String(),
  activationCode: Type.String(),
  pollSecret: Type.String(),
  orchestratorId: Type.Optional(Type.String()),
  credential: Type.Optional(Type.String()),
});
type State = Static<typeof StateSchema>;

export class OrchestratorProcess {
  readonly #opts: OrchestratorOptions;
  readonly #client: ControlPlaneClient;
  readonly #logFile: string;
  readonly #stop = new AbortController();
  readonly #jobs: Map<string, LocalJob>;
  #startedAt = Date.now();
  /** One run of the orchestrator role: lease owners name it, so a restart never reuses a lease. */
  #instance = randomUUID();

  constructor(opts: OrchestratorOptions) {
    this.#opts = opts;
    this.#client = new ControlPlaneClient(opts.server);
    mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
    this.#logFile = join(opts.stateDir, "orchestrator.log");
    const settings = { server: opts.server, stateDir: opts.stateDir, heartbeatSeconds: opts.heartbeatSeconds, pollMs: opts.pollMs, version: opts.version };
    this.#jobs = localJobs({ settings, logFile: this.#logFile, facts: () => this.facts(), testJobs: opts.testJobs, dataPlane: opts.dataPlane });
  }

  facts(): OrchestratorFacts {
    return processFacts(this.#opts.version, this.#startedAt);
  }

  log(line: string): void {
    const text = `${new Date().toISOString()} ${line}`;
    this.#opts.print(text);
    appendFileSync(this.#logFile, `${text}\n`);
  }

  stop(): void {
    this.#stop.abort();
  }

  async #loadState(): Promise<State> {
    const path = join(this.#opts.stateDir, "state.json");
    const stored: unknown = await readFile(path, "utf8").then(JSON.parse, () => undefined);
    if (Value.Check(StateSchema, stored) && stored.server === this.#opts.server) return stored;
    const fresh: State = { server: this.#opts.server, activationCode: randomUUID(), pollSecret: randomBytes(32).toString("base64url") };
    await this.#saveState(fresh);
    return fresh;
  }

  async #saveState(state: State): Promise<void> {
    const path = join(this.#opts.stateDir, "state.json");
    await writeFile(`${path}.tmp`, JSON.stringify(state), { mode: 0o600, flush: true });
    await rename(`${path}.tmp`, path);
  }

  /** Pairs if needed, then serves until stopped, shut down or unregistered; the exit code. */
  async run(): Promise<number> {
    const state = await this.#loadState();
    try {
      if (!state.credential) {
        await this.#client.announce(state.activationCode, state.pollSecret, this.facts());
        this.log(`activation code: ${state.activationCode}`);
        this.log("waiting to be paired: POST /backup-recovery/v1beta1/data-orchestrators {\"activationCode\": \"<code>\"}");
        while (!this.#stop.signal.aborted) {
          const paired = await this.#client.collect(state.activationCode, state.pollSecret);
          if (paired) {
            Object.assign(state, paired);
            await this.#saveState(state);
            break;
          }
          await sleep(1000, undefined, { signal: this.#stop.signal }).catch(() => {});
        }
      }
      if (!state.credential) return 0;
      this.#client.credential = state.credential;
      this.log(`paired as data orchestrator ${state.orchestratorId}`);
      return await this.#serve();
    } catch (err) {
      if (err instanceof RevokedError) {
        this.log("the control plane refused this orchestrator's credential: it was unregistered; stopping");
        return 3;
      }
      throw err;
    }
  }

  async #serve(): Promise<number> {
    const heartbeat = async () => {
      while (!this.#stop.signal.aborted) {
        await this.#client.heartbeat(this.#instance, this.facts()).catch((err: unknown) => this.#unlessRevoked(err, "heartbeat"));
        await sleep(this.#opts.heartbeatSeconds * 1000, undefined, { signal: this.#stop.signal }).catch(() => {});
      }
    };
    const work = async (): Promise<After> => {
      while (!this.#stop.signal.aborted) {
        const job = await this.#client.claim(this.#instance).catch((err: unknown) => this.#unlessRevoked(err, "claim"));
        if (!job) {
          await sleep(this.#opts.pollMs, undefined, { signal: this.#stop.signal }).catch(() => {});
          continue;
        }
        const after = await this.#runJob(job);
        if (after === "shutdown") return after;
        if (after === "restart") {
          // compat: a real orchestrator reboots its VM; this process restarts its orchestrator
          // role: a new instance (no lease carries over), uptime and poweredOnAt from now.
          this.log("restarting");
          this.#startedAt = Date.now();
          this.#instance = randomUUID();
          await this.#client.heartbeat(this.#instance, this.facts());
        }
      }
      return "continue";
    };
    const beating = heartbeat();
    try {
      const after = await Promise.race([work(), beating.then(() => "continue" as const)]);
      if (after === "shutdown") this.log("shutting down at the control plane's request");
      return 0;
    } finally {
      this.#stop.abort();
      await beating.catch(() => {});
    }
  }

  /** A refused credential ends the process; anything else (the server restarting) is retried. */
  #unlessRevoked(err: unknown, what: string): undefined {
    if (err instanceof RevokedError) throw err;
    this.log(`${what} failed, retrying: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }

  async #runJob(job: ClaimedJob): Promise<After> {
    const lost = new AbortController();
    const signal = AbortSignal.any([lost.signal, this.#stop.signal]);
    this.log(`running job ${job.id} (${job.jobType}, attempt ${job.attempt})`);
    const renewal = setInterval(() => {
      this.#client.renew(this.#instance, job.id).catch((err: unknown) => {
        if (err instanceof LeaseLostError || err instanceof RevokedError) lost.abort(err);
      });
    }, Math.max(200, job.leaseMs / 3));
    try {
      const run = this.#jobs.get(job.jobType);
      if (!run) {
        await this.#client.complete(this.#instance, job.id, "FAILED", { message: `this orchestrator has no job type '${job.jobType}'` });
        return "continue";
      }
      const result = await run({
        jobId: job.id,
        payload: job.payload,
        plan: job.plan,
        signal,
        progress: (percent, message) => this.#client.progress(this.#instance, job.id, percent, message),
        uploadBundle: (archive) => this.#client.uploadBundle(this.#instance, job.id, archive),
      }).catch(async (err: unknown) => {
        if (signal.aborted || err instanceof LeaseLostError || err instanceof RevokedError) throw err;
        await this.#client.complete(this.#instance, job.id, "FAILED", { message: err instanceof Error ? err.message : String(err) });
        return undefined;
      });
      if (!result) return "continue";
      const { associatedResources, result: produced } = result;
      await this.#client.complete(this.#instance, job.id, "SUCCEEDED", { ...(associatedResources ? { associatedResources } : {}), ...(produced !== undefined ? { result: produced } : {}) });
      this.log(`job ${job.id} succeeded`);
      return result.after ?? "continue";
    } catch (err) {
      if (err instanceof RevokedError) throw err;
      if (signal.aborted || err instanceof LeaseLostError) {
        this.log(`job ${job.id}: lease lost; dropped`);
        if (lost.signal.reason instanceof RevokedError) throw lost.signal.reason;
        return "continue";
      }
      throw err;
    } finally {
      clearInterval(renewal);
    }
  }
}
