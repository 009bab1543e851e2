// How gateways and StoreOnce appliances learn whether protection stores live on them (a system
// holding stores is not deleted). The protection-store use cases fill this port; until they are
// wired, the slot answers that none exist.
import type { UnitOfWork } from "../async-operations.ts";

export interface StoresOnSystem {
  /** Protection stores of the workspace hosted on the storage system (counted in `uow` when given). */
  count(workspaceId: string, systemId: string, uow?: UnitOfWork): Promise<number>;
}

export const NO_STORES: StoresOnSystem = { count: async () => 0 };

/**
 * The port as the composition root hands it out: gateways and StoreOnce use cases are built
 * before the protection-store use cases that answer it, so the answer is plugged in afterwards.
 */
export class StoresOnSystemSlot implements StoresOnSystem {
  #current: StoresOnSystem = NO_STORES;

  use(port: StoresOnSystem): void {
    this.#current = port;
  }

  count(workspaceId: string, systemId: string, uow?: UnitOfWork): Promise<number> {
    return this.#current.count(workspaceId, systemId, uow);
  }
}
