// If-Match carries the generation the client last saw: `5`, `"5"` or `W/"5"`.
import { AppError } from "../../domain/app-error.ts";

export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === "*") return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(value);
  if (!m) throw AppError.badRequest(`If-Match '${value.slice(0, 40)}' must carry a generation number`);
  return Number(m[1]);
}
