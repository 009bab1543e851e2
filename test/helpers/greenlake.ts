// Shared assertions and fixtures for the integration suite: the GreenLake error body, contract
// checks, and valid protection-policy request bodies.
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { ErrorBody } from "../../src/api/errors.ts";
import { type SpecName, contractChecks, contractErrors } from "./contract.ts";

export const POLICIES = "/backup-recovery/v1beta1/protection-policies";
export const OPERATIONS = "/data-services/v1beta1/async-operations";
export const API_CLIENTS = "/obr/v1/api-clients";

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const DEBUG_ID_RE = /^[0-9a-f]{32}$/;

export type { ErrorBody };

/**
 * Checks a GreenLake error body: the four fields (plus `extra` keys where the endpoint adds
 * some), httpStatusCode equal to the HTTP status, a 32-hex debugId, no stack trace text.
 */
export function assertErrorBody(status: number, text: string, contentType: string | null, extra: string[] = []): ErrorBody {
  expect(contentType ?? "").toMatch(/^application\/json/);
  expect(text).not.toMatch(/\n\s+at |node:internal|\.ts:\d+|stack/i);
  const body = JSON.parse(text) as ErrorBody;
  expect(Object.keys(body).sort()).toEqual(["debugId", "errorCode", "httpStatusCode", "message", ...extra].sort());
  expect(body.httpStatusCode).toBe(status);
  expect(typeof body.errorCode).toBe("string");
  expect(body.errorCode).toMatch(/^[A-Z_]+$/);
  expect(typeof body.message).toBe("string");
  expect(body.message.length).toBeGreaterThan(0);
  expect(body.debugId).toMatch(DEBUG_ID_RE);
  return body;
}

/** Reads a fetch Response that must be a GreenLake error with `status`. */
export async function expectError(res: Response, status: number, extra: string[] = []): Promise<ErrorBody> {
  const text = await res.text();
  expect(res.status, text.slice(0, 400)).toBe(status);
  const body = assertErrorBody(status, text, res.headers.get("content-type"), extra);
  expectContract("backup-recovery", "ErrorResponse", body);
  return body;
}

/** The value at a JSON pointer (instancePath of an Ajv error). */
function at(body: unknown, pointer: string): unknown {
  let v = body;
  for (const key of pointer.split("/").slice(1)) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/**
 * Asserts `body` validates against the contract schema (skipped without the contract, except in
 * CI: see contract.ts).
 * One tolerance: the contract marks some resourceUri fields `format: uri` (absolute) while its
 * own examples and every live payload carry a host-less path ("/backup-recovery/v1beta1/...",
 * conventions.md §12); a path starting with "/" is accepted there as a URI reference.
 */
export function expectContract(spec: SpecName, schema: string, body: unknown): void {
  if (!contractChecks()) return;
  const errors = contractErrors(spec, schema, body).filter((e) => {
    const m = /^(\S+) must match format "uri" /.exec(e);
    if (!m) return true;
    const value = at(body, m[1]!);
    return !(typeof value === "string" && /^\/[A-Za-z0-9._~/-]*$/.test(value));
  });
  expect(errors, `${spec} ${schema}`).toEqual([]);
}

/** Reads a JSON body, asserting the status first (the body is shown on mismatch). */
export async function json<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text.slice(0, 400)).toBe(status);
  return JSON.parse(text) as T;
}

export interface PolicyOptions {
  description?: string;
  applicationType?: "VMWARE" | "AWS" | "HPE_ARRAY_VOLUME" | "MSSQL";
  /** Include a BACKUP tier fed by the snapshot (default true). */
  backup?: boolean;
  /** Include a CLOUD_BACKUP tier fed by the backup. */
  cloud?: boolean;
  /**
   * The real stores the BACKUP and CLOUD_BACKUP tiers name (test/helpers/stores.ts `storesOf`);
   * without them the tiers name ids of no store, which the server refuses.
   */
  stores?: { onPremises: string; cloud: string };
}

/** A valid create/replace body: SNAPSHOT (schedule 1) → BACKUP (schedule 2) [→ CLOUD_BACKUP (3)]. */
export function policyBody(name: string, o: PolicyOptions = {}): Record<string, unknown> {
  const protections: Record<string, unknown>[] = [
    {
      type: "SNAPSHOT",
      schedules: [
        {
          scheduleId: 1,
          name: "hourly snapshots",
          schedule: { recurrence: "HOURLY", repeatInterval: { every: 4, on: [15] } },
          expireAfter: { unit: "DAYS", value: 2 },
        },
      ],
    },
  ];
  if (o.backup !== false) {
    protections.push({
      type: "BACKUP",
      protectionStoreId: o.stores?.onPremises ?? randomUUID(),
      schedules: [
        {
          scheduleId: 2,
          sourceProtectionScheduleId: 1,
          name: "daily backups",
          schedule: { recurrence: "DAILY", repeatInterval: { every: 1 }, startTime: "02:30" },
          expireAfter: { unit: "WEEKS", value: 4 },
          lockFor: { unit: "DAYS", value: 7 },
        },
      ],
    });
  }
  if (o.cloud) {
    protections.push({
      type: "CLOUD_BACKUP",
      protectionStoreId: o.stores?.cloud ?? randomUUID(),
      schedules: [
        {
          scheduleId: 3,
          sourceProtectionScheduleId: 2,
          schedule: { recurrence: "WEEKLY", repeatInterval: { every: 1, on: [0] }, startTime: "04:00" },
          expireAfter: { unit: "YEARS", value: 1 },
        },
      ],
    });
  }
  return {
    name,
    ...(o.description !== undefined ? { description: o.description } : {}),
    applicationType: o.applicationType ?? "VMWARE",
    protections,
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
