// The port through which data orchestrator services keep what an orchestrator's document does
// not show: its heartbeat time, its credential's and TOTP seed's columns, and the activation codes
// of `obr orchestrator` processes waiting to be paired (src/db/orchestrator-records.ts
// implements it). Calls that take a unit of work run in it; the others run on their own.
import type { Executor } from "./documents.ts";

/** An activation code a process announced; paired once, then its credential issued once. */
export interface Activation {
  activationCode: string;
  pollSecretHash: string;
  /** The process's facts as it announced them (JSON text, checked by the reader). */
  facts: string;
  /** Epoch ms. */
  createdAt: number;
  /** Set once a workspace paired the code. */
  pairedWith: { customerId: string; orchestratorId: string } | null;
  credentialIssued: boolean;
}

export interface Heartbeat {
  id: string;
  customerId: string;
  deployment: string;
  /** Epoch ms of the last heartbeat; null: never. */
  heartbeatAt: number | null;
}

export interface OrchestratorRecords {
  setHeartbeat(customerId: string, id: string, at: number, uow: Executor): Promise<void>;
  /** The heartbeat time of one orchestrator (null: never); undefined when it no longer exists. */
  heartbeatAt(customerId: string, id: string, uow: Executor): Promise<number | null | undefined>;
  heartbeats(filter?: { deployment?: string; connectedSilentSince?: number }): Promise<Heartbeat[]>;

  /** Forgets unpaired activations announced before `cutoff` (epoch ms). */
  forgetUnpairedBefore(cutoff: number): Promise<void>;
  activation(activationCode: string, uow?: Executor): Promise<Activation | undefined>;
  unpairedCount(): Promise<number>;
  /** Records an announcement; nothing when the code is already there. */
  announce(activation: Omit<Activation, "pairedWith" | "credentialIssued">): Promise<void>;
  /** Pairs an unpaired code; false when it is unknown or already paired. */
  pairActivation(activationCode: string, customerId: string, orchestratorId: string, uow?: Executor): Promise<boolean>;
  /** Marks the code's credential issued; false when it already was. */
  markCredentialIssued(activationCode: string, uow: Executor): Promise<boolean>;
  /** Drops the orchestrator's activations (its unregister). */
  forgetActivationsOf(customerId: string, orchestratorId: string, uow: Executor): Promise<void>;

  /** Stores the hash of the orchestrator's credential; false when the orchestrator is gone. */
  setCredentialHash(customerId: string, id: string, hash: string, uow: Executor): Promise<boolean>;
  /** Whose credential this orchestrator id holds, across workspaces (the credential names the id). */
  credentialOf(orchestratorId: string): Promise<{ customerId: string; credentialHash: string } | undefined>;

  totpSeed(customerId: string, id: string): Promise<string | undefined>;
  /** Stores a seed unless one is set already; returns the seed in force. */
  initTotpSeed(customerId: string, id: string, seed: string): Promise<string>;
}
