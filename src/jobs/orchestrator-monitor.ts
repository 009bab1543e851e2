// The server's orchestrator loop, every heartbeat interval: the embedded orchestrator reports its
// facts (only while this process runs the embedded worker: otherwise it does no work, and shows
// DISCONNECTED), orchestrators that stopped reporting are marked DISCONNECTED, and, when the
// embedded worker is off, jobs whose lease expired (a killed `obr orchestrator`) are recovered
// here, and the jobs queued after one that failed cancelled, since no local worker's poll does it.
import type { Logger } from "pino";
import type { OrchestratorFacts } from "../services/infrastructure/orchestrator-facts.ts";
import type { OrchestratorHeartbeats } from "../services/infrastructure/orchestrator-heartbeats.ts";
import type { Worker } from "./worker.ts";

export interface MonitorOptions {
  intervalMs: number;
  embeddedWorker: boolean;
  facts(): OrchestratorFacts;
}

export class OrchestratorMonitor {
  readonly #heartbeats: OrchestratorHeartbeats;
  readonly #worker: Worker;
  readonly #log: Logger;
  readonly #opts: MonitorOptions;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;

  constructor(heartbeats: OrchestratorHeartbeats, worker: Worker, log: Logger, opts: MonitorOptions) {
    this.#heartbeats = heartbeats;
    this.#worker = worker;
    this.#log = log;
    this.#opts = opts;
  }

  async tick(): Promise<void> {
    try {
      if (this.#opts.embeddedWorker) await this.#heartbeats.beatEmbedded(this.#opts.facts());
      await this.#heartbeats.markStale();
      if (!this.#opts.embeddedWorker) {
        await this.#worker.recover();
        await this.#worker.cancelStranded();
      }
    } catch (err) {
      this.#log.error({ err }, "orchestrator heartbeat loop failed");
    }
  }

  start(): void {
    const run = () => {
      this.#tick = this.tick().finally(() => {
        this.#tick = undefined;
        this.#timer = setTimeout(run, this.#opts.intervalMs);
      });
    };
    run();
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#tick;
    clearTimeout(this.#timer);
  }
}
