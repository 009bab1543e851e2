// Names that identify a resource within a workspace (protection policies, hypervisor managers):
// GreenLake treats "Gold" and " gold " as the same name, so obr stores names trimmed and checks
// uniqueness on a normalised key, kept in a `name_key` column under a unique index (which also
// settles concurrent writers).
import { AppError } from "./app-error.ts";

/** The stored form of a name: without surrounding white space; 400 when nothing is left. */
export function trimName(name: string, field = "name"): string {
  const trimmed = name.trim();
  if (trimmed === "") throw AppError.badRequest(`${field} must not be blank`);
  return trimmed;
}

/** The uniqueness key of a name: trimmed, Unicode-normalised (NFC) and lower-cased. */
export function nameKey(name: string): string {
  return name.normalize("NFC").trim().toLowerCase();
}
