// Writes freshly mapped inventory documents over the stored ones of a hypervisor manager: new
// objects are inserted, changed ones updated (generation bumps only on a real change), and
// objects the hypervisor no longer reports are marked as the contract allows for their kind.
import type { DocumentRepository, StoredDocument } from "../ports/documents.ts";
import { nowIso } from "../../domain/clock.ts";
import { AppError } from "../../domain/app-error.ts";
import type { InventoryDoc } from "./mappers/map-context.ts";

/**
 * What happens to a stored object the hypervisor no longer reports: `deleted` sets state DELETED
 * (VMs, datastores, tags), `error` sets state ERROR (kinds whose state enum has no DELETED),
 * `remove` deletes the document (kinds without a state).
 */
export type GonePolicy = "deleted" | "error" | "remove";

export interface ReconcileOptions {
  gone: GonePolicy;
  /** Fields owned by other features (protection status...): kept from the stored document. */
  preserve?: readonly string[];
  /** Values for preserved fields on first insert. */
  initial?: Record<string, unknown>;
  /** Only these ids are reconciled (a single-VM refresh); default: the whole manager. */
  onlyIds?: ReadonlySet<string>;
  /**
   * States an operation set and its job's end clears (a VM being RESTORING): a sync keeps them
   * unless the object is gone, so the object shows it is busy until that operation ends.
   */
  busyStates?: readonly string[];
}

export interface ReconcileCounts {
  created: number;
  updated: number;
  gone: number;
}

const BOOKKEEPING = new Set(["generation", "createdAt", "updatedAt"]);
const GONE_REASON = "no longer reported by the hypervisor manager at the last refresh";

/** JSON with sorted keys and without bookkeeping, so PostgreSQL's jsonb key order does not matter. */
function canonical(value: unknown, top = true): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v, false)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([k, v]) => v !== undefined && !(top && BOOKKEEPING.has(k)))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v, false)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === "23505" || (typeof e?.code === "string" && e.code.startsWith("SQLITE_CONSTRAINT"));
}

function markGone(doc: StoredDocument, policy: "deleted" | "error"): StoredDocument {
  const next: StoredDocument = { ...doc, state: policy === "deleted" ? "DELETED" : "ERROR", stateReason: GONE_REASON };
  if ("status" in next) next.status = "ERROR";
  if ("allowedOperations" in next) next.allowedOperations = [];
  return next;
}

/**
 * repository.update, retried when a concurrent writer got in between (PostgreSQL read committed);
 * a document deleted meanwhile (VM deleted through the API, manager unregistered) is skipped.
 */
async function updateWithRetry(repository: DocumentRepository, customerId: string, id: string, transform: (cur: StoredDocument) => StoredDocument) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await repository.update(customerId, id, undefined, transform);
    } catch (err) {
      if (err instanceof AppError && err.httpStatusCode === 404) return undefined;
      if (!(err instanceof AppError && err.httpStatusCode === 412) || attempt >= 3) throw err;
    }
  }
}

/** The preserved fields the document has (absent ones stay absent). */
function pick(doc: Readonly<Record<string, unknown>>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (doc[k] !== undefined) out[k] = doc[k];
  return out;
}

/** The document without the preserved fields. */
function omit(doc: Readonly<Record<string, unknown>>, keys: readonly string[]): Record<string, unknown> {
  const out = { ...doc };
  for (const k of keys) delete out[k];
  return out;
}

export async function reconcile(
  repository: DocumentRepository,
  existing: readonly StoredDocument[],
  mapped: readonly InventoryDoc[],
  options: ReconcileOptions,
): Promise<ReconcileCounts> {
  const counts: ReconcileCounts = { created: 0, updated: 0, gone: 0 };
  const stored = new Map(existing.map((d) => [d.id, d]));
  const preserve = options.preserve ?? [];
  for (const doc of mapped) {
    if (options.onlyIds && !options.onlyIds.has(doc.id)) continue;
    const current = stored.get(doc.id);
    if (!current) {
      const now = nowIso(repository.clock);
      const createdAt = typeof doc.createdAt === "string" ? doc.createdAt : now;
      try {
        await repository.insert({ ...options.initial, ...doc, generation: 1, createdAt, updatedAt: now });
      } catch (err) {
        // The repository may already have turned the unique violation into an AppError.
        if (!isUniqueViolation(err) && !(err instanceof AppError)) throw err;
        // A concurrent sync of the same manager inserted it first: it is current, nothing to do.
        if (await repository.get(doc.customerId, doc.id)) continue;
        // Ids are the hypervisor's stable UUIDs, so the same lab cannot be registered twice.
        // Named by nothing of the other registration: it may be another workspace's.
        throw AppError.conflict("this hypervisor's inventory is already registered through another hypervisor manager, possibly in another workspace");
      }
      counts.created++;
      continue;
    }
    const busy = options.busyStates ?? [];
    /** The stored busy state, kept over the hypervisor's while the object still exists. */
    const keepBusy = (cur: Readonly<Record<string, unknown>>) => (busy.includes(String(cur.state)) && doc.state !== "DELETED" ? { state: cur.state } : {});
    const kept = pick(current, preserve);
    const next = { ...options.initial, ...doc, ...kept, ...keepBusy(current), createdAt: current.createdAt };
    if (canonical(next) === canonical(current)) continue;
    // Preserved fields come from the row as it is now: a protection job may have changed them
    // since `existing` was read.
    await updateWithRetry(repository, doc.customerId, doc.id, (cur) => ({
      ...omit(next, preserve),
      ...pick({ ...options.initial, ...cur }, preserve),
      ...keepBusy(cur),
      id: cur.id,
      customerId: cur.customerId,
      generation: cur.generation,
      createdAt: cur.createdAt,
      updatedAt: cur.updatedAt,
    }));
    counts.updated++;
  }
  const seen = new Set(mapped.map((d) => d.id));
  for (const doc of existing) {
    if (seen.has(doc.id) || (options.onlyIds && !options.onlyIds.has(doc.id))) continue;
    if (options.gone === "remove") {
      await repository.delete(doc.customerId, doc.id, undefined).catch((err) => {
        if (!(err instanceof AppError && err.httpStatusCode === 404)) throw err;
      });
      counts.gone++;
      continue;
    }
    const target = options.gone === "deleted" ? "DELETED" : "ERROR";
    if (doc.state === target && doc.stateReason === GONE_REASON) continue;
    await updateWithRetry(repository, doc.customerId, doc.id, (cur) => markGone(cur, options.gone as "deleted" | "error"));
    counts.gone++;
  }
  return counts;
}
