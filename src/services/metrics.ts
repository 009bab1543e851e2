// Prometheus metrics (prom-client), one registry per server: HTTP requests by route template and
// status with latency histograms, jobs by type and queue state, orchestrator heartbeat ages, and
// per-store logical and stored bytes from the callbacks store services register. Gauges are read
// from the database when scraped, so every replica reports the same queue.
import { Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { HeartbeatAge } from "./infrastructure/orchestrator-heartbeats.ts";

export interface StoreStats {
  storeId: string;
  workspaceId: string;
  /** Bytes of user data the store's backups represent. */
  logicalBytes: number;
  /** Bytes the store occupies (after dedup and compression). */
  storedBytes: number;
}

export type StoreStatsSource = () => Promise<readonly StoreStats[]>;

/** Jobs of one type in one queue state ("failed": ended FAILED or TIMEDOUT, kept until retention). */
export interface JobCount {
  type: string;
  state: string;
  count: number;
}

export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Histogram<"method" | "route" | "status_code">;
  /** Each labelled request series, by method, status and route template. */
  readonly #requestSeries = new Map<string, { observe(seconds: number): void }>();
  readonly #storeSources: StoreStatsSource[] = [];

  constructor(jobCounts: () => Promise<JobCount[]>, heartbeatAges: () => Promise<HeartbeatAge[]>) {
    collectDefaultMetrics({ register: this.registry, prefix: "obr_process_" });
    this.#requests = new Histogram({
      name: "obr_http_request_duration_seconds",
      help: "HTTP requests by method, route template and status code, with their latency",
      labelNames: ["method", "route", "status_code"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    new Gauge({
      name: "obr_jobs",
      help: "Jobs by type and state: queued, running, waiting (for children), failed (FAILED or TIMEDOUT, kept until retention)",
      labelNames: ["type", "state"],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const c of await jobCounts()) this.set({ type: c.type, state: c.state }, c.count);
      },
    });
    new Gauge({
      name: "obr_orchestrator_heartbeat_age_seconds",
      help: "Seconds since each data orchestrator last reported (-1: never)",
      labelNames: ["orchestrator_id", "workspace", "deployment"],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const a of await heartbeatAges()) this.set({ orchestrator_id: a.id, workspace: a.customerId, deployment: a.deployment }, a.ageSeconds ?? -1);
      },
    });
    const sources = this.#storeSources;
    const storeGauge = (name: string, help: string, pick: (s: StoreStats) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["store_id", "workspace"],
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const source of sources) for (const s of await source()) this.set({ store_id: s.storeId, workspace: s.workspaceId }, pick(s));
        },
      });
    storeGauge("obr_protection_store_logical_bytes", "User data bytes the store's backups represent", (s) => s.logicalBytes);
    storeGauge("obr_protection_store_stored_bytes", "Bytes the store occupies after dedup and compression", (s) => s.storedBytes);
  }

  /** Protection stores report their statistics through this (called at each scrape). */
  registerStoreStats(source: StoreStatsSource): void {
    this.#storeSources.push(source);
  }

  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    // Called on every request: the labelled series is looked up once per method, route and status
    // (a bounded set: routes are templates), not hashed from a labels object each time.
    const key = `${method} ${statusCode} ${route}`;
    let series = this.#requestSeries.get(key);
    if (series === undefined) {
      series = this.#requests.labels({ method, route, status_code: String(statusCode) });
      this.#requestSeries.set(key, series);
    }
    series.observe(seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
