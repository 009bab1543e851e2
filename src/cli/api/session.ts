// One API command's session: the SDK client for the chosen profile, names turned into ids, an
// operation waited for with a live progress bar, and every failure turned into one line with an
// exit code that means something (exit-codes.ts).
import { SingleBar } from "cli-progress";
import { ApiError, createObrClient, type ObrClient, OperationFailedError, type OperationView, TokenError } from "../../sdk/index.ts";
import { escapeForTerminal } from "../../domain/names.ts";
import { CliError, EXIT, type ExitCode } from "./exit-codes.ts";
import { pathValue } from "./output.ts";
import { type Profile, profilesPath, selectProfile } from "./profiles.ts";

export interface GlobalApiOptions {
  profile?: string;
}

export function clientFor(profile: Profile): ObrClient {
  return createObrClient({
    baseUrl: profile.server,
    credentials: { clientId: profile.clientId, clientSecret: profile.clientSecret, ...(profile.workspaceId ? { workspaceId: profile.workspaceId } : {}) },
  });
}

export async function sessionFor(env: Record<string, string | undefined>, options: GlobalApiOptions): Promise<ObrClient> {
  const { profile } = await selectProfile(profilesPath(env), options.profile ?? env.OBR_PROFILE);
  return clientFor(profile);
}

function exitFor(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.AUTH;
  if (status === 404) return EXIT.NOT_FOUND;
  if (status === 400 || status === 409 || status === 412 || status === 422) return EXIT.REJECTED;
  return EXIT.FAILURE;
}

/** The one line and exit code a failure becomes. */
export function describeFailure(err: unknown): { line: string; code: ExitCode } {
  if (err instanceof CliError) return { line: err.message, code: err.exitCode };
  if (err instanceof ApiError) return { line: `${err.message} (${err.httpStatusCode} ${err.errorCode}${err.debugId ? `, debugId ${err.debugId}` : ""})`, code: exitFor(err.httpStatusCode) };
  if (err instanceof TokenError) return { line: err.message, code: EXIT.AUTH };
  if (err instanceof OperationFailedError) return { line: `operation ${err.operationId} ended ${err.state}: ${err.message}`, code: EXIT.OPERATION_FAILED };
  if (err instanceof TypeError && /fetch failed/.test(err.message)) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return { line: `cannot reach the server${cause}`, code: EXIT.UNREACHABLE };
  }
  return { line: err instanceof Error ? err.message : String(err), code: EXIT.FAILURE };
}

/** Runs a command; a failure prints `obr <command>: <line>` on stderr and exits with its code. */
export async function runApiCommand(command: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    const { line, code } = describeFailure(err);
    process.stderr.write(`obr ${command}: ${escapeForTerminal(line)}\n`);
    process.exit(code);
  }
}

/** Throws the API's error when a call did not answer 2xx. */
export async function expectOk(res: Response): Promise<Response> {
  if (!res.ok) throw await ApiError.from(res);
  return res;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Given as an id (a UUID), not as a name to look up. */
export const isId = (text: string): boolean => UUID.test(text);

/** A filter literal: single-quoted, quotes doubled. */
export const quoted = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** GET of a server path as JSON; an error answer throws the API's error. */
export async function getJson(obr: ObrClient, path: string): Promise<unknown> {
  return (await expectOk(await obr.fetch(new URL(path, obr.baseUrl), { headers: { accept: "application/json" } }))).json();
}

/** The ids of at most two items matching `filter`: enough to tell none, one and several apart. */
export async function idsMatching(obr: ObrClient, collection: string, filter: string): Promise<string[]> {
  const items = pathValue(await getJson(obr, `${collection}?${new URLSearchParams({ filter, limit: "2", select: "id" })}`), "items");
  return Array.isArray(items) ? items.map((i: unknown) => pathValue(i, "id")).filter((x): x is string => typeof x === "string") : [];
}

/** An id given as itself or as a name: looked up with `<nameAttr> eq '<name>'` (exactly one must match). */
export async function idOf(obr: ObrClient, collection: string, idOrName: string, what: string, nameAttr = "name"): Promise<string> {
  if (isId(idOrName)) return idOrName;
  const ids = await idsMatching(obr, collection, `${nameAttr} eq ${quoted(idOrName)}`);
  if (ids.length === 0) throw new CliError(EXIT.NOT_FOUND, `no ${what} named '${idOrName}'`);
  if (ids.length > 1) throw new CliError(EXIT.USAGE, `several ${what}s are named '${idOrName}': give the id`);
  return String(ids[0]);
}

/** Sends a write; an async answer (202 + Location) is waited for when asked, with a progress bar on a terminal. */
export async function sendWrite(obr: ObrClient, method: string, path: string, body: unknown, options: { wait?: boolean; quiet?: boolean }): Promise<{ status: number; location: string | null; body: unknown; operation?: OperationView }> {
  const res = await expectOk(
    await obr.fetch(new URL(path, obr.baseUrl), {
      method,
      headers: { accept: "application/json", ...(body !== undefined ? { "content-type": method === "PATCH" ? "application/merge-patch+json" : "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }),
  );
  const text = await res.text();
  const answer: unknown = text ? JSON.parse(text) : undefined;
  const location = res.headers.get("location");
  if (!(options.wait && res.status === 202 && location)) return { status: res.status, location, body: answer };
  return { status: res.status, location, body: answer, operation: await waitWithProgress(obr, location, options.quiet ?? false) };
}

export async function waitWithProgress(obr: ObrClient, location: string, quiet: boolean): Promise<OperationView> {
  const bar = !quiet && process.stderr.isTTY ? new SingleBar({ format: "{bar} {percentage}% {state}", stream: process.stderr, hideCursor: true }) : undefined;
  bar?.start(100, 0, { state: "INITIALIZED" });
  try {
    return await obr.waitForOperation(location, { onProgress: (op) => bar?.update(op.progressPercent, { state: op.state }) });
  } finally {
    bar?.stop();
  }
}
