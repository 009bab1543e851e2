// `obr orchestrator --server <url>`: runs a separate data orchestrator process (see
// src/orchestrator/orchestrator-process.ts). It reads no database: the server URL is all it
// needs, plus access to the data it moves: the labs under --lab-root (the hypervisor) and the
// store directories the control plane's plans name.
import { join, resolve } from "node:path";
import { Command, Option } from "commander";
import { storeCacheDir } from "../config/config.ts";
import { OrchestratorProcess } from "../orchestrator/orchestrator-process.ts";
import { VERSION } from "../version.ts";

export function orchestratorCommand(env: Record<string, string | undefined>): Command {
  return new Command("orchestrator")
    .description("run a separate data orchestrator: prints an activation code, then runs the jobs routed to it")
    .requiredOption("--server <url>", "the obr control plane, e.g. http://127.0.0.1:7480")
    .addOption(new Option("--state-dir <dir>", "where its credential and log are kept").default(env.OBR_ORCHESTRATOR_STATE_DIR ?? "./obr-orchestrator"))
    .addOption(new Option("--heartbeat-seconds <n>", "seconds between heartbeats").default(env.OBR_ORCHESTRATOR_HEARTBEAT_SECONDS ?? "10"))
    .addOption(new Option("--lab-root <dir>", "the directory of the labs whose VMs it protects (lab://<name> is <dir>/<name>)").default(env.OBR_LAB_ROOT ?? join(env.OBR_DATA_DIR ?? "./obr-data", "lab")))
    .action(async (opts: { server: string; stateDir: string; heartbeatSeconds: string; labRoot: string }) => {
      const heartbeatSeconds = Number(opts.heartbeatSeconds);
      if (!Number.isInteger(heartbeatSeconds) || heartbeatSeconds < 1 || heartbeatSeconds > 3600) throw new Error("--heartbeat-seconds must be an integer in 1..3600");
      if (!/^https?:\/\//.test(opts.server)) throw new Error("--server must be an http(s) URL");
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
