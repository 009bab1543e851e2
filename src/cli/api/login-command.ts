// `obr login`, `obr logout`, `obr profiles`: which server and API client the API commands use.
// Login proves the credentials (a token, then one read) before it saves anything.
import { Command } from "commander";
import { escapeForTerminal } from "../../domain/names.ts";
import { CliError, EXIT } from "./exit-codes.ts";
import { type Profile, profilesPath, readProfiles, writeProfiles } from "./profiles.ts";
import { clientFor, expectOk, runApiCommand } from "./session.ts";

type Env = Record<string, string | undefined>;

async function secretFrom(opts: { clientSecret?: string }, env: Env): Promise<string> {
  const secret = opts.clientSecret ?? env.OBR_CLIENT_SECRET ?? (process.stdin.isTTY ? undefined : (await new Response(process.stdin).text()).trim());
  if (!secret) throw new CliError(EXIT.USAGE, "give the client secret on stdin, in OBR_CLIENT_SECRET or with --client-secret");
  return secret;
}

export function loginCommands(env: Env): Command[] {
  const login = new Command("login")
    .description("save a server and API client credentials as a profile (the secret from stdin or OBR_CLIENT_SECRET)")
    .requiredOption("--server <url>", "the obr (or GreenLake) API base URL")
    .requiredOption("--client-id <id>", "API client id")
    .option("--client-secret <secret>", "API client secret (visible to other local users in ps: prefer stdin)")
    .option("--workspace <id>", "use the workspace's own token endpoint")
    .action((opts, cmd: Command) =>
      runApiCommand("login", async () => {
        let server: URL;
        try {
          server = new URL(opts.server);
        } catch {
          throw new CliError(EXIT.USAGE, `--server ${opts.server} is not a URL`);
        }
        const profile: Profile = { server: server.origin, clientId: opts.clientId, clientSecret: await secretFrom(opts, env), ...(opts.workspace ? { workspaceId: opts.workspace } : {}) };
        const obr = clientFor(profile);
        await obr.token();
        await expectOk(await obr.fetch(new URL("/backup-recovery/v1beta1/protection-policies?limit=1&select=id", profile.server)));
        const name: string = cmd.optsWithGlobals().profile ?? env.OBR_PROFILE ?? "default";
        const path = profilesPath(env);
        const file = await readProfiles(path);
        await writeProfiles(path, { current: name, profiles: { ...file.profiles, [name]: profile } });
        process.stderr.write(`logged in to ${escapeForTerminal(profile.server)} as ${escapeForTerminal(profile.clientId)} (profile ${escapeForTerminal(name)}, saved in ${path})\n`);
      }),
    );
  const logout = new Command("logout").description("forget a profile's credentials (default: the current one)").action((_o, cmd: Command) =>
    runApiCommand("logout", async () => {
      const path = profilesPath(env);
      const file = await readProfiles(path);
      const name: string | undefined = cmd.optsWithGlobals().profile ?? env.OBR_PROFILE ?? file.current;
      if (name === undefined || !file.profiles[name]) throw new CliError(EXIT.NOT_FOUND, "no such profile");
      const { [name]: _gone, ...rest } = file.profiles;
      await writeProfiles(path, { ...(file.current !== name && file.current ? { current: file.current } : {}), profiles: rest });
    }),
  );
  const profiles = new Command("profiles").description("list saved profiles (secrets are never shown)").action(() =>
    runApiCommand("profiles", async () => {
      const file = await readProfiles(profilesPath(env));
      for (const [name, p] of Object.entries(file.profiles)) {
        process.stdout.write(`${name === file.current ? "*" : " "} ${escapeForTerminal(name)}  ${escapeForTerminal(p.server)}  ${escapeForTerminal(p.clientId)}\n`);
      }
    }),
  );
  return [login, logout, profiles];
}
