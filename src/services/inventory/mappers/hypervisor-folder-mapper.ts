// Connector Folder -> the contract's HypervisorFolder document.
import type { Folder } from "../../ports/hypervisor-connector.ts";
import { type InventoryDoc, type MapContext, baseDoc, refTo, refsTo, vmwarePlacement } from "./map-context.ts";

export function mapFolder(ctx: MapContext, folder: Folder): InventoryDoc {
  const parent = refTo(ctx, "hypervisor-folder", folder.parentId);
  return {
    ...baseDoc(ctx, "hypervisor-folder", folder),
    appInfo: vmwarePlacement(ctx, folder),
    // compat: the contract's folderType has no NETWORK; network folders carry no folderType.
    ...(folder.type === "NETWORK" ? {} : { folderType: folder.type }),
    ...(parent ? { parentFolderInfo: parent } : {}),
    subFolders: refsTo(ctx, "hypervisor-folder", folder.childIds),
  };
}
