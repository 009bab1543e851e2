// The facts an orchestrator reports with each heartbeat, measured from the running process.
import { availableParallelism, hostname, totalmem } from "node:os";
import type { Static } from "typebox";
import type { OrchestratorFactsSchema } from "../../domain/schemas/orchestrator-protocol-schemas.ts";

export type OrchestratorFacts = Static<typeof OrchestratorFactsSchema>;

const GIB = 1024 ** 3;

/** This process's facts; `startedAt` (epoch ms) is when it (re)started its orchestrator role. */
export function processFacts(version: string, startedAt: number, now = Date.now()): OrchestratorFacts {
  return {
    softwareVersion: version,
    hostname: hostname(),
    upTimeInSeconds: Math.max(0, Math.floor((now - startedAt) / 1000)),
    poweredOnAt: new Date(startedAt).toISOString(),
    vCpu: availableParallelism(),
    // Rounded, not floored: a 0.9 GiB machine has about 1 GiB, not none.
    totalMemoryInGiB: Math.round(totalmem() / GIB),
    pid: process.pid,
  };
}

/** The document fields a heartbeat refreshes (hostname is set once, then belongs to PATCH). */
export function factFields(facts: OrchestratorFacts, at: number): Record<string, unknown> {
  return {
    softwareVersion: facts.softwareVersion,
    upTimeInSeconds: facts.upTimeInSeconds,
    poweredOnAt: facts.poweredOnAt,
    vCpu: facts.vCpu,
    totalMemoryInGiB: facts.totalMemoryInGiB,
    lastHeartbeatAt: new Date(at).toISOString(),
    connectionState: "CONNECTED",
  };
}
