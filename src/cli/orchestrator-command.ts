// `obr orchestrator --server <url>`: runs a separate data orchestrator process (see
// src/orchestrator/orchestrator-process.ts). It reads no database: the server URL is all it
// needs, plus access to the data it moves: the labs under --lab-root (the hypervisor) and the
// store directories the control plane's plans name.
import { join, resolve } from "node:path";
import { Command, Option } from "commander";
import { storeCacheDir } from "../config/config.ts";
import { classifyHost } from "../domain/network-address.ts";
import { OrchestratorProcess } from "../orchestrator/orchestrator-process.ts";
import { VERSION } from "../version.ts";

export function orchestratorCommand(env: Record<string, string | undefined>): Command {
  return new Command("orchestrator")
    .description("run a separate data orchestrator: prints an activation code, then runs the jobs routed to it")
    .requiredOption("--server <url>", "the obr control plane, e.g. http://127.0.0.1:7480")
    .addOption(new Option("--state-dir <dir>", "where its credential and log are kept").default(env.OBR_ORCHESTRATOR_STATE_DIR ?? "./obr-orchestrator"))
    .addOption(new Option("--heartbeat-seconds <n>", "seconds between heartbeats").default(env.OBR_ORCHESTRATOR_HEARTBEAT_SECONDS ?? "10"))
    .addOption(new Option("--lab-root <dir>", "the directory of the labs whose VMs it protects (lab://<name> is <dir>/<name>)").default(env.OBR_LAB_ROOT ?? join(env.OBR_DATA_DIR ?? "./obr-data", "lab")))
    .option("--allow-plain-http", "talk plain HTTP to a control plane on another machine (its plans carry store keys and S3 credentials)")
    .action(async (opts: { server: string; stateDir: string; heartbeatSeconds: string; labRoot: string; allowPlainHttp?: boolean }) => {
      const heartbeatSeconds = Number(opts.heartbeatSeconds);
      if (!Number.isInteger(heartbeatSeconds) || heartbeatSeconds < 1 || heartbeatSeconds > 3600) throw new Error("--heartbeat-seconds must be an integer in 1..3600");
      const refused = serverUrlProblem(opts.server, opts.allowPlainHttp === true);
      if (refused) throw new Error(refused);
      const { buildDataPlane } = await import("../container.ts");
      // S3 stores' index blobs are kept under the state dir unless OBR_STORE_CACHE_DIR says otherwise
      const data = buildDataPlane(resolve(opts.labRoot), `obr orchestrator process ${process.pid}`, { crashPoint: env.OBR_CRASH_POINT, storeCacheDir: storeCacheDir(env.OBR_STORE_CACHE_DIR, resolve(opts.stateDir)) });
      const orchestrator = new OrchestratorProcess({
        dataPlane: data.plane,
        server: opts.server,
        stateDir: resolve(opts.stateDir),
        heartbeatSeconds,
        pollMs: 250,
        version: VERSION,
        testJobs: /^(1|true|yes|on)$/i.test(env.OBR_TEST_JOBS ?? ""),
        print: (line) => console.log(line),
      });
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => orchestrator.stop());
      try {
        process.exitCode = await orchestrator.run();
      } finally {
        await data.close();
      }
    });
}

/**
 * Why the orchestrator will not talk to this control plane URL, or null. Its credential, and the
 * plans it receives (protection stores' keys, S3 credentials), cross the connection: plain HTTP is
 * for the same machine (a loopback host) unless the operator says otherwise.
 */
export function serverUrlProblem(server: string, allowPlainHttp: boolean): string | null {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return "--server must be an http(s) URL";
  }
  if (url.protocol === "https:") return null;
  if (url.protocol !== "http:") return "--server must be an http(s) URL";
  if (allowPlainHttp || classifyHost(url.hostname) === "loopback") return null;
  return `--server ${url.origin} is plain HTTP to another machine: the orchestrator's credential and the store keys and S3 credentials in its plans would cross the network unencrypted. Serve the control plane over TLS (OBR_TLS_CERT, OBR_TLS_KEY) and use https://, or pass --allow-plain-http on a network you trust`;
}
