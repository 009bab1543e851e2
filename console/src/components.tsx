// Building blocks the pages share: page titles, load states (loading, error, not served yet),
// status badges, scrollable tables, progress bars and the live view of an async operation.
import { type ComponentChildren, cloneElement, type VNode } from "preact";
import { useEffect, useId, useState } from "preact/hooks";
import { describeError, SessionEndedError, UnavailableError } from "./api.ts";
import { words } from "./format.ts";
import { Link } from "./router.tsx";
import type { Session } from "./session.ts";
import type { Loaded } from "./use-load.ts";

export function PageTitle({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="page-title">
      <h1 tabIndex={-1}>{title}</h1>
      {children ? <div class="actions">{children}</div> : null}
    </div>
  );
}

/** What a section shows for a failure: "not served yet" is a plain state, not an error. */
export function Failure({ error, what }: { error: unknown; what?: string }) {
  if (error instanceof SessionEndedError) return null;
  if (error instanceof UnavailableError) {
    return (
      <p class="notice unavailable" data-state="unavailable">
        {what ? `${what}: ` : ""}not available on this server yet ({error.message.replace(/^this server does not serve /, "").replace(/ yet$/, "")} is not served).
      </p>
    );
  }
  return (
    <p class="notice error" role="alert">
      {what ? `${what}: ` : ""}
      {describeError(error)}
    </p>
  );
}

/** Renders `children(data)` once loaded; a loading line or the failure otherwise. */
export function Load<T>({ state, what, children }: { state: Loaded<T>; what?: string; children: (data: T) => ComponentChildren }) {
  if (state.data !== undefined) return <>{children(state.data)}</>;
  if (state.error !== undefined) return <Failure error={state.error} {...(what ? { what } : {})} />;
  return (
    <p class="muted" aria-busy="true">
      Loading{what ? ` ${what.toLowerCase()}` : ""}…
    </p>
  );
}

const TONES: Record<string, string> = {
  OK: "good",
  SUCCEEDED: "good",
  PROTECTED: "good",
  ACTIVE: "good",
  CONNECTED: "good",
  ONLINE: "good",
  POWERED_ON: "good",
  PSG_STATE_OK: "good",
  FAILED: "bad",
  ERROR: "bad",
  TIMEDOUT: "bad",
  UNPROTECTED: "bad",
  DISCONNECTED: "bad",
  OFFLINE: "bad",
  RUNNING: "busy",
  INITIALIZED: "busy",
  IN_PROGRESS: "busy",
  CREATING: "busy",
  WARNING: "warn",
  PARTIAL: "warn",
  PENDING: "busy",
  PAUSED: "warn",
  LAPSED: "bad",
  VERIFIED: "good",
  LOCKED: "warn",
  SUSPENDED: "warn",
  PARTIALLY_SUSPENDED: "warn",
  CANCELLED: "warn",
};

export function Badge({ value }: { value: string | undefined }) {
  return <span class={`badge ${TONES[value ?? ""] ?? "neutral"}`}>{words(value)}</span>;
}

/** A table that scrolls sideways on a phone; keyboard users can scroll it too. */
export function TableBox({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard to scroll it
    <section class="table-box" aria-label={label} tabIndex={0}>
      <table>{children}</table>
    </section>
  );
}

export function Progress({ percent, label }: { percent: number; label: string }) {
  const p = Math.max(0, Math.min(100, Math.round(percent)));
  return (
    <div class="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={p}>
      <div class="progress-fill" style={{ width: `${p}%` }} />
      <span class="progress-text">{p}%</span>
    </div>
  );
}

/** Follows an async operation (its Location) until it ends: state, progress and its error. */
export function OperationFollow({ session, location, onDone }: { session: Session; location: string; onDone?: (state: string) => void }) {
  const [op, setOp] = useState<{ id: string; state: string; progressPercent: number; name?: unknown; error?: { error?: string } }>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const abort = new AbortController();
    session.client
      .waitForOperation(location, { signal: abort.signal, onProgress: (o) => setOp(o) })
      .then((o) => onDone?.(o.state))
      .catch((err: unknown) => {
        if (abort.signal.aborted) return;
        const state = typeof err === "object" && err !== null && "state" in err ? String(err.state) : undefined;
        if (state) onDone?.(state);
        else setError(err);
      });
    return () => abort.abort();
  }, [session, location, onDone]);
  const id = location.split("/").pop() ?? location;
  return (
    <div class="operation-follow" aria-live="polite">
      <p>
        Operation <Link href={`/operations/${id}`}>{typeof op?.name === "string" ? op.name : id}</Link>: <Badge value={op?.state ?? "INITIALIZED"} />
      </p>
      <Progress percent={op?.progressPercent ?? 0} label="Operation progress" />
      {op?.error?.error ? (
        <p class="notice error" role="alert">
          {op.error.error}
        </p>
      ) : null}
      {error !== undefined ? <Failure error={error} /> : null}
    </div>
  );
}

/**
 * A labelled control: the label names just the control (a label wrapping a select would add the
 * chosen option to its name). A pair of controls (a number and its unit) becomes a named group.
 */
export function Field({ label, hint, children }: { label: string; hint?: string; children: VNode }) {
  const id = useId();
  const single = children.type !== "span";
  const described = hint ? { "aria-describedby": `${id}-hint` } : {};
  return (
    <div class="field" {...(single ? {} : { role: "group", "aria-labelledby": `${id}-label` })}>
      {single ? (
        <label class="field-label" for={id}>
          {label}
        </label>
      ) : (
        <span class="field-label" id={`${id}-label`}>
          {label}
        </span>
      )}
      {single ? cloneElement(children, { id, ...described }) : children}
      {hint ? (
        <span class="field-hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
    </div>
  );
}
