// Names people give things (API clients, policies, VMs...) end up in terminals, logs and consoles:
// control characters (C0, DEL, C1) and lone UTF-16 surrogates are refused wherever a name is
// accepted, so that no name can move a cursor, clear a screen or break a log line.
import { AppError } from "./app-error.ts";

/** JSON Schema pattern (ajv compiles it with the `u` flag, where a lone surrogate is one code point). */
export const NAME_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff]*$";
const NAME_RE = new RegExp(NAME_PATTERN, "u");

export function isCleanName(name: string): boolean {
  return NAME_RE.test(name);
}

/** Throws 400 for a name with control characters; `what` names the field in the message. */
export function checkName(name: string, what = "name"): string {
  if (!isCleanName(name)) throw AppError.badRequest(`${what} must not contain control characters`);
  return name;
}

/** Text for a terminal: control characters and lone surrogates become visible escapes (\x1b), shown, never executed. */
export function escapeForTerminal(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/gu, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
