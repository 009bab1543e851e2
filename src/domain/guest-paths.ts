// Paths inside a guest's file system, as file restore and the browse call take them: absolute,
// normalised ("/etc//app.conf/" is "/etc/app.conf"), without "." or ".." (a restore never leaves
// the path it names) and without the characters the file system tool cannot quote (a double
// quote, a line break, NUL). Pure: the same rules for requests and for names read from a copy.
import { AppError } from "./app-error.ts";

const MAX_PATH_BYTES = 4096;
const MAX_NAME_BYTES = 255;

/** Why `name` cannot be one path component, or undefined when it can. */
export function badGuestName(name: string): string | undefined {
  if (name === "" || name === "." || name === "..") return `'${name}' is not a file name`;
  if (/["\n\r\0/]/.test(name)) return `'${name}' holds a character obr does not handle in guest paths (" / NUL or a line break)`;
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `a file name is at most ${MAX_NAME_BYTES} bytes`;
  return undefined;
}

/** The normalised absolute path, or a 400 naming `field`. */
export function guestPath(path: string, field: string): string {
  if (!path.startsWith("/")) throw AppError.badRequest(`${field}: '${path}' is not an absolute path`);
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) throw AppError.badRequest(`${field}: a path is at most ${MAX_PATH_BYTES} bytes`);
  const parts = path.split("/").filter((p) => p !== "");
  for (const part of parts) {
    const bad = badGuestName(part);
    if (bad) throw AppError.badRequest(`${field}: ${bad}`);
  }
  return `/${parts.join("/")}`;
}

export const joinGuestPath = (dir: string, name: string): string => (dir === "/" ? `/${name}` : `${dir}/${name}`);

export const guestBaseName = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

export const guestParent = (path: string): string => {
  const at = path.lastIndexOf("/");
  return at <= 0 ? "/" : path.slice(0, at);
};

/** The directories from the root down to `path` itself ("/a/b" -> ["/a", "/a/b"]). */
export function guestAncestry(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split("/").filter((p) => p !== "")) out.push(joinGuestPath(out.at(-1) ?? "/", part));
  return out;
}
