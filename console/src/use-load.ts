// Loading data for a page: the result, the error, a reload, and optional polling while wanted.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Runs `load` when `deps` change; with `pollMs(data)` returning a number, again after that long. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[], pollMs?: (data: T) => number | undefined): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const latest = useRef(load);
  latest.current = load;
  const poll = useRef(pollMs);
  poll.current = pollMs;

  // the caller's deps decide when to load again (and each poll's tick)
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState((s) => ({ ...s, loading: true }));
    latest
      .current()
      .then((data) => {
        if (!live) return;
        setState({ data, error: undefined, loading: false });
        const again = poll.current?.(data);
        if (again !== undefined) timer = setTimeout(() => live && setTick((t) => t + 1), again);
      })
      .catch((error: unknown) => live && setState({ data: undefined, error, loading: false }));
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}
