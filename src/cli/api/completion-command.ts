// `obr completion bash|zsh`: a completion script made from the command tree itself, so it
// always knows every noun, verb and option (`source <(obr completion bash)`).
import { type Command, Option } from "commander";

/** "path words" -> completions: the subcommands and long options at each level of the tree. */
function table(cmd: Command, prefix: string, out: Map<string, string[]>): void {
  const words = [...cmd.commands.map((c) => c.name()), ...cmd.options.map((o) => o.long).filter((l): l is string => Boolean(l))];
  out.set(prefix, words);
  for (const sub of cmd.commands) table(sub, prefix ? `${prefix} ${sub.name()}` : sub.name(), out);
}

export function bashCompletion(program: Command): string {
  const entries = new Map<string, string[]>();
  table(program, "", entries);
  const cases = [...entries].map(([path, words]) => `    "${path}") words="${words.join(" ")}" ;;`).join("\n");
  return `# obr bash completion: source <(obr completion bash)
_obr_complete() {
  local path="" w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) ;; *) if [ -z "$path" ]; then path="$w"; else path="$path $w"; fi ;; esac
  done
  local words=""
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "\${COMP_WORDS[COMP_CWORD]}"))
}
complete -o default -F _obr_complete obr
`;
}

export function completionCommand(program: Command): Command {
  const cmd = program
    .command("completion")
    .description("print a shell completion script (bash, or zsh through bashcompinit)")
    .addOption(new Option("--shell <shell>", "bash or zsh").choices(["bash", "zsh"]).default("bash"));
  cmd.action((opts: { shell: string }) => {
    const script = bashCompletion(program);
    process.stdout.write(opts.shell === "zsh" ? `autoload -U +X bashcompinit && bashcompinit\n${script}` : script);
  });
  return cmd;
}
