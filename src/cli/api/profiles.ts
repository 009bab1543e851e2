// Where `obr login` keeps servers and credentials: one JSON file of named profiles
// ($XDG_CONFIG_HOME/obr/profiles.json, else ~/.config/obr/profiles.json), mode 0600 in a 0700
// directory, written atomically. The secret is there in clear, like ~/.aws/credentials: the file's
// mode is its protection, and obr refuses to use it when others may read it.
import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { type Static, Type } from "typebox";
import { Value } from "typebox/value";
import { CliError, EXIT } from "./exit-codes.ts";

export const Profile = Type.Object({
  server: Type.String({ minLength: 1 }),
  clientId: Type.String({ minLength: 1 }),
  clientSecret: Type.String({ minLength: 1 }),
  /** Ask the workspace's own token endpoint. */
  workspaceId: Type.Optional(Type.String()),
});
export type Profile = Static<typeof Profile>;

const ProfileFile = Type.Object({ current: Type.Optional(Type.String()), profiles: Type.Record(Type.String(), Profile) });
type ProfileFile = Static<typeof ProfileFile>;

export function profilesPath(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME?.startsWith("/") ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), ".config");
  return join(base, "obr", "profiles.json");
}

export async function readProfiles(path: string): Promise<ProfileFile> {
  let text: string;
  try {
    const st = await stat(path);
    if ((st.mode & 0o077) !== 0) throw new CliError(EXIT.AUTH, `${path} may be read by others (mode ${(st.mode & 0o777).toString(8)}): chmod 600 it`);
    text = await readFile(path, "utf8");
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (typeof err === "object" && err !== null && Reflect.get(err, "code") === "ENOENT") return { profiles: {} };
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(EXIT.USAGE, `${path} is not valid JSON`);
  }
  if (!Value.Check(ProfileFile, parsed)) throw new CliError(EXIT.USAGE, `${path} is not an obr profile file`);
  return parsed;
}

export async function writeProfiles(path: string, file: ProfileFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/** The profile to use: --profile, else OBR_PROFILE, else the one `obr login` made current. */
export async function selectProfile(path: string, wanted: string | undefined): Promise<{ name: string; profile: Profile }> {
  const file = await readProfiles(path);
  const name = wanted ?? file.current;
  if (name === undefined) throw new CliError(EXIT.AUTH, "not logged in: run obr login --server <url> --client-id <id>");
  const profile = file.profiles[name];
  if (!profile) throw new CliError(EXIT.AUTH, `no profile '${name}': run obr login --profile ${name}`);
  return { name, profile };
}
