
import { join } from "node:path";
import { isConnectorError } from "../ports/connector-error.ts";
import type { Actor } from "../../domain/actor.ts";
import { TERMINAL_STATES } from "../async-operations.ts";
import { embeddedDataOrchestratorId } from "./data-orchestrators.ts";
import { type RegisterManagerCommand, hypervisorManagerUseCases } from "./hypervisor-manager-registration.ts";
import type { InventoryContext } from "./inventory-context.ts";
import { pathExists } from "../../platform/path-exists.ts";

export const DEMO_LAB_NAME = "demo";

export interface DemoInventory<S> {
  summary: S;
  managerId: string;
  operationId: string;
  /** Terminal state of the registration, or undefined when no local worker runs it. */
  state: string | undefined;
}

export interface DemoOptions<S> {
  labRoot: string;
  admin: Actor;
  /** Builds the lab in <labRoot>/<name> and describes it. */
  buildLab(labRoot: string, name: string): Promise<S>;
  /** Wait for the registration (only when a worker runs in this process). */
  wait: boolean;
}


/**
 * Builds and registers the demo lab unless the workspace already has a hypervisor manager or a
 * demo lab exists (an unregistered demo stays unregistered: delete <labRoot>/demo to rebuild it).
 */
export async function registerDemoInventory<S>(deps: InventoryContext, options: DemoOptions<S>): Promise<DemoInventory<S> | undefined> {
  const customerId = options.admin.workspaceId;
  const managers = deps.store.repository("hypervisor-manager");
  const any = await managers.list(customerId, { orderBy: [], offset: 0, limit: 1 });
  if (any.docs.length > 0 || (await pathExists(join(options.labRoot, DEMO_LAB_NAME)))) return undefined;
  let summary: S;
  try {
    summary = await options.buildLab(options.labRoot, DEMO_LAB_NAME);
  } catch (err) {
    // Another replica starting at the same time built it first; that one registers it.
    if (isConnectorError(err, "conflict")) return undefined;
    throw err;
  }
  const command: RegisterManagerCommand = {
    networkAddress: `lab://${DEMO_LAB_NAME}`,
    hypervisorManagerType: "VMWARE_VCENTER",
    dataOrchestratorId: embeddedDataOrchestratorId(customerId),
    credentials: { username: "administrator@vsphere.local" },
    displayName: "Demo lab vCenter",
    description: "Built by obr on first start (OBR_DEMO=0 turns this off)",
  };
  const { operationId } = await hypervisorManagerUseCases(deps).register(options.admin, command);
  let state: string | undefined;
  for (const deadline = Date.now() + 120_000; options.wait && Date.now() < deadline; ) {
    const op = await deps.operations.get(customerId, operationId);
    if (op && TERMINAL_STATES.includes(op.state)) {
      state = op.state;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const managerId = (await managers.findIdBy(customerId, "name", DEMO_LAB_NAME))!;
  return { summary, managerId, operationId, state };
}
