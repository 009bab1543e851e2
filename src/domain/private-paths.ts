// Messages that reach API clients (error bodies, async operations' error and logMessages) never
// carry the server's own paths: the data directory registered at start-up is replaced by
// "<data dir>" wherever a message mentions it. A registry rather than a parameter because the
// messages are made deep inside connectors that do not know where they are exposed.
const roots = new Set<string>();

/** Registers a directory (absolute, as the server uses it) whose path must not leave the server. */
export function registerPrivatePath(dir: string): void {
  const trimmed = dir.replace(/\/+$/, "");
  if (trimmed.length > 1) roots.add(trimmed);
}

export function redactPrivatePaths(text: string): string {
  let out = text;
  for (const root of roots) if (out.includes(root)) out = out.replaceAll(root, "<data dir>");
  return out;
}
