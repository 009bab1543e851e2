// A fetch that waits and tries again when the server asks it to (429 Too Many Requests, 503
// Service Unavailable), honouring Retry-After (seconds or an HTTP date), with capped exponential
// backoff when the header is absent. Only requests whose body can be sent again are retried.
export interface RetryOptions {
  /** Attempts in all, the first included (default 4). */
  attempts?: number;
  /** First wait without Retry-After, doubled each time (default 500 ms). */
  baseDelayMs?: number;
  /** Longest single wait, Retry-After included (default 30 s). */
  maxDelayMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

const RETRIED = new Set([429, 503]);

export function retryingFetch(inner: typeof fetch, options: RetryOptions = {}): typeof fetch {
  const attempts = Math.max(1, options.attempts ?? 4);
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 30_000;
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  return async (input, init) => {
    const request = await replayable(input, init);
    for (let attempt = 1; ; attempt++) {
      const res = await inner(request.again());
      if (!RETRIED.has(res.status) || attempt >= attempts) return res;
      const wait = Math.min(max, retryAfterMs(res.headers.get("retry-after"), now()) ?? base * 2 ** (attempt - 1));
      await res.body?.cancel();
      await sleep(wait, request.signal);
    }
  };
}

/** A request that can be sent more than once: its body (readable once) is read here, and again() gives a fresh Request with it. */
export async function replayable(input: Request | string | URL, init?: RequestInit): Promise<{ headers: Headers; signal: AbortSignal; again(override?: RequestInit): Request }> {
  const request = new Request(input, init);
  const body = request.body ? await request.arrayBuffer() : undefined;
  return {
    headers: request.headers,
    signal: request.signal,
    again: (override = {}) => new Request(request, { ...(body !== undefined ? { body } : {}), ...override }),
  };
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
