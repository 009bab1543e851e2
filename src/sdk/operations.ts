// Waiting for an async operation: poll its Location at the interval the operation suggests, with
// its progress reported, until it ends. Succeeded: the operation; otherwise OperationFailedError
// with the operation's own error.
import { abortableSleep } from "./retry.ts";
import { OperationFailedError } from "./errors.ts";

export interface OperationView {
  id: string;
  state: string;
  progressPercent: number;
  suggestedPollingIntervalSeconds?: number;
  error?: { error?: string; errorCode?: string };
  [field: string]: unknown;
}

export interface WaitOptions {
  /** Called after every poll (a CLI draws its progress bar from it). */
  onProgress?: (operation: OperationView) => void;
  /** Give up after this long (default: never); the operation itself goes on. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Floor and ceiling of the polling interval (default 0.25 s .. 10 s). */
  minIntervalMs?: number;
  maxIntervalMs?: number;
}

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "CANCELLED", "TIMEDOUT"]);

export function isOperationView(body: unknown): body is OperationView {
  if (typeof body !== "object" || body === null) return false;
  return typeof Reflect.get(body, "id") === "string" && typeof Reflect.get(body, "state") === "string" && typeof Reflect.get(body, "progressPercent") === "number";
}

export async function pollOperation(get: () => Promise<OperationView>, options: WaitOptions = {}): Promise<OperationView> {
  const min = options.minIntervalMs ?? 250;
  const max = options.maxIntervalMs ?? 10_000;
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
  for (;;) {
    const op = await get();
    options.onProgress?.(op);
    if (TERMINAL.has(op.state)) {
      if (op.state === "SUCCEEDED") return op;
      throw new OperationFailedError(op.id, op.state, op.error?.error ?? `operation ${op.id} ended ${op.state}`, op.error?.errorCode);
    }
    if (Date.now() >= deadline) throw new Error(`operation ${op.id} still ${op.state} after ${options.timeoutMs} ms`);
    const suggested = (op.suggestedPollingIntervalSeconds ?? 1) * 1000;
    await abortableSleep(Math.min(max, Math.max(min, suggested), Math.max(0, deadline - Date.now())), options.signal);
  }
}
