// The StorageSystems that protection stores consult: the gateway and StoreOnce directory
// (storage-system-directory.ts) is added in container.ts, tests add systems of their own, and
// `find` asks each in turn.
import type { UnitOfWork } from "../async-operations.ts";
import type { StorageSystemRef, StorageSystems } from "./storage-systems.ts";

export class StorageSystemSources implements StorageSystems {
  readonly #sources: StorageSystems[] = [];

  add(source: StorageSystems): void {
    this.#sources.push(source);
  }

  async find(workspaceId: string, id: string, uow?: UnitOfWork): Promise<StorageSystemRef | undefined> {
    for (const source of this.#sources) {
      const found = await source.find(workspaceId, id, uow);
      if (found) return found;
    }
    return undefined;
  }
}
