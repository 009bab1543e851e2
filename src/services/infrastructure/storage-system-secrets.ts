// Secrets of storage systems kept apart from their resource documents (which lists and gets send
// as stored): a gateway console user's password hash, a StoreOnce's sealed credentials, a
// gateway proxy's sealed password. The db layer implements the port.
import type { UnitOfWork } from "../async-operations.ts";

export type SecretKind = "console-user" | "storeonce-credentials" | "proxy-password";

export interface StorageSystemSecrets {
  put(customerId: string, ownerId: string, kind: SecretKind, value: string, uow?: UnitOfWork): Promise<void>;
  get(customerId: string, ownerId: string, kind: SecretKind): Promise<string | undefined>;
  /** Removes every secret of the owner (on delete). */
  removeAll(customerId: string, ownerId: string, uow?: UnitOfWork): Promise<void>;
}

/** Seals and opens secrets obr must read back (implemented with AES-256-GCM in auth/secret-box.ts). */
export interface Sealer {
  seal(plain: string): string;
  open(sealed: string): string;
}
