// What an `obr orchestrator` process says to the control plane, over HTTP only: the protocol of
// src/api/routes/orchestrator-routes.ts. Answers are checked against their schemas, not trusted.
import { type Static, type TSchema, Type } from "typebox";
import { Value } from "typebox/value";
import { ClaimedJobSchema, PairedSchema } from "../domain/schemas/orchestrator-protocol-schemas.ts";
import type { OrchestratorFacts } from "../services/infrastructure/orchestrator-facts.ts";

const BASE = "/obr/v1/orchestrator";
const ResourceRefSchema = Type.Object({ name: Type.Optional(Type.String()), resourceUri: Type.String(), type: Type.String() });

export type ClaimedJob = Static<typeof ClaimedJobSchema>;
export type ResourceRef = Static<typeof ResourceRefSchema>;

/** The control plane refused the credential: the orchestrator was unregistered (or replaced). */
export class RevokedError extends Error {
  override readonly name = "RevokedError";
}

/** The job's lease is gone (expired and recovered, or the job ended elsewhere). */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
}

export class ControlPlaneClient {
  readonly #server: string;
  #credential: string | undefined;

  constructor(server: string, credential?: string) {
    this.#server = server.replace(/\/+$/, "");
    this.#credential = credential;
  }

  set credential(value: string) {
    this.#credential = value;
  }

  async #call(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.#credential) headers.authorization = `Bearer ${this.#credential}`;
    if (body !== undefined) headers["content-type"] = contentType;
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body);
    const res = await fetch(`${this.#server}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}), signal: AbortSignal.timeout(30_000) });
    if (res.status === 401) throw new RevokedError("the control plane refused this orchestrator's credential (unregistered)");
    if (res.status === 409 && path.startsWith(`${BASE}/jobs/`)) throw new LeaseLostError(await res.text());
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  }

  async #json<S extends TSchema>(schema: S, res: Response): Promise<Static<S>> {
    const value: unknown = await res.json();
    if (!Value.Check(schema, value)) throw new Error(`unexpected answer from ${res.url}`);
    return value;
  }

  async announce(activationCode: string, pollSecret: string, facts: OrchestratorFacts): Promise<void> {
    await this.#call("POST", `${BASE}/activations`, { activationCode, pollSecret, facts });
  }

  /** The credential once a user paired the code, else undefined. */
  async collect(activationCode: string, pollSecret: string): Promise<Static<typeof PairedSchema> | undefined> {
    const res = await this.#call("POST", `${BASE}/activations/${activationCode}/collect`, { pollSecret });
    const body = await this.#json(Type.Union([Type.Object({ paired: Type.Literal(false) }), Type.Object({ paired: Type.Literal(true), ...PairedSchema.properties })]), res);
    return body.paired ? { orchestratorId: body.orchestratorId, credential: body.credential } : undefined;
  }

  async heartbeat(instance: string, facts: OrchestratorFacts): Promise<void> {
    await this.#call("POST", `${BASE}/heartbeat`, { instance, facts });
  }

  async claim(instance: string): Promise<ClaimedJob | undefined> {
    const res = await this.#call("POST", `${BASE}/jobs/claim`, { instance });
    return res.status === 204 ? undefined : this.#json(ClaimedJobSchema, res);
  }

  async renew(instance: string, jobId: string): Promise<void> {
    await this.#call("POST", `${BASE}/jobs/${jobId}/renew`, { instance });
  }

  async progress(instance: string, jobId: string, percent: number, message?: string): Promise<void> {
    await this.#call("POST", `${BASE}/jobs/${jobId}/progress`, { instance, percent, ...(message !== undefined ? { message } : {}) });
  }

  async complete(instance: string, jobId: string, outcome: "SUCCEEDED" | "FAILED", detail: { message?: string; associatedResources?: ResourceRef[]; result?: unknown } = {}): Promise<void> {
    await this.#call("POST", `${BASE}/jobs/${jobId}/complete`, { instance, outcome, ...detail });
  }

  async uploadBundle(instance: string, jobId: string, archive: Buffer): Promise<ResourceRef> {
    const res = await this.#call("PUT", `${BASE}/jobs/${jobId}/support-bundle?instance=${instance}`, archive, "application/gzip");
    return this.#json(ResourceRefSchema, res);
  }
}
