// `npm start` on an empty data dir: one cloud protection store in the bootstrap admin's
// workspace, created through the same use case as POST /protection-stores (a real encrypted
// chunk store under <data dir>/cloud). An on-premises store needs a protection store gateway,
// which the gateway service adds when it exists.
import { access } from "node:fs/promises";
import type { Actor } from "../../domain/actor.ts";
import { TERMINAL_STATES } from "../async-operations.ts";
import type { ProtectionStoreContext } from "./protection-store-state.ts";
import type { ProtectionStoreUseCases } from "./protection-stores.ts";

export const DEMO_STORAGE_LOCATION = "aws:us-west-2";

export interface DemoStore {
  storeId: string;
  operationId: string;
  storageLocationId: string;
  /** Terminal state of the create, or undefined when no local worker runs it. */
  state: string | undefined;
}

const exists = (path: string) => access(path).then(() => true, () => false);

/**
 * Creates the demo cloud store unless the workspace has a store already or cloud stores were
 * ever made here (<data dir>/cloud exists): a deleted demo store stays deleted.
 */
export async function createDemoStore(ctx: ProtectionStoreContext, stores: ProtectionStoreUseCases, admin: Actor, wait: boolean): Promise<DemoStore | undefined> {
  const any = await ctx.repository.list(admin.workspaceId, { orderBy: [], offset: 0, limit: 1 });
  if (any.docs.length > 0 || (await exists(ctx.cloudRoot))) return undefined;
  const { operationId } = await stores.create(admin, { protectionStoreType: "CLOUD", storageLocationId: DEMO_STORAGE_LOCATION, displayName: "Demo cloud store" });
  let state: string | undefined;
  for (const deadline = Date.now() + 60_000; wait && Date.now() < deadline; ) {
    const op = await ctx.operations.get(admin.workspaceId, operationId);
    if (op && TERMINAL_STATES.includes(op.state)) {
      state = op.state;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const op = await ctx.operations.get(admin.workspaceId, operationId);
  const storeId = op?.associatedResources[0]?.resourceUri.split("/").at(-1) ?? "";
  return { storeId, operationId, storageLocationId: DEMO_STORAGE_LOCATION, state };
}
