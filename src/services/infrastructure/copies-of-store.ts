// The port through which a protection store's delete learns which copies (backups, cloud
// backups) it still holds. Copies do not exist in obr yet: the collections that will hold them
// add a source in container.ts; until then every store holds none, so delete never refuses.
import type { UnitOfWork } from "../async-operations.ts";

export interface StoreCopyCount {
  /** Copies the store holds. */
  copies: number;
  /** Of those, copies whose lockedUntil lies in the future: they forbid delete even with force. */
  locked: number;
}

export interface CopiesOfStore {
  /** Counted in `uow` when given: a delete's guard counts in the delete's own transaction. */
  count(workspaceId: string, storeId: string, uow?: UnitOfWork): Promise<StoreCopyCount>;
  /**
   * Drops the rows of the store's copies inside the store's delete transaction (a forced delete:
   * their data goes with the store). Called after the locked count came back zero in `uow`.
   */
  forget?(workspaceId: string, storeId: string, uow: UnitOfWork): Promise<void>;
}

/** Sums what every added source counts (none added: no copies). */
export class StoreCopies implements CopiesOfStore {
  readonly #sources: CopiesOfStore[] = [];

  add(source: CopiesOfStore): void {
    this.#sources.push(source);
  }

  async count(workspaceId: string, storeId: string, uow?: UnitOfWork): Promise<StoreCopyCount> {
    let copies = 0;
    let locked = 0;
    for (const source of this.#sources) {
      const c = await source.count(workspaceId, storeId, uow);
      copies += c.copies;
      locked += c.locked;
    }
    return { copies, locked };
  }

  async forget(workspaceId: string, storeId: string, uow: UnitOfWork): Promise<void> {
    for (const source of this.#sources) await source.forget?.(workspaceId, storeId, uow);
  }
}
