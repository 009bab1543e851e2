// What the protection-job use cases, their jobs and the scheduler share.
import type { Clock } from "../../domain/clock.ts";
import type { AsyncOperationService } from "../async-operations.ts";
import type { DocumentRepository } from "../ports/documents.ts";
import type { ProtectionScheduleStore } from "../ports/protection-schedules.ts";
import type { DataOrchestrators } from "../inventory/data-orchestrators.ts";

export interface ProtectionJobContext {
  jobs: DocumentRepository;
  policies: DocumentRepository;
  virtualMachines: DocumentRepository;
  hypervisorManagers: DocumentRepository;
  /** Which data orchestrators are separate processes (a run's tiers are targeted at them). */
  dataOrchestrators: Pick<DataOrchestrators, "separate">;
  schedules: ProtectionScheduleStore;
  operations: AsyncOperationService;
  clock: Clock;
  /** Tells the local worker that a job was queued. */
  wake(): void;
  /** Tells the local scheduler that schedule rows changed (a new job, a resume). */
  schedulesChanged(): void;
}
