// Connector Tag -> the contract's HypervisorTag document.
import type { Tag } from "../../ports/hypervisor-connector.ts";
import { resourceUriOf, typeOf } from "../../../domain/inventory-paths.ts";
import { type InventoryDoc, type MapContext, baseDoc } from "./map-context.ts";

export function mapTag(ctx: MapContext, tag: Tag): InventoryDoc {
  const associatedResources = tag.attachedIds.flatMap((id) => {
    const found = ctx.objects.get(id);
    if (!found || found.kind === "datacenter") return [];
    return [{ id, resourceUri: resourceUriOf(found.kind, id, ctx.manager.id), type: typeOf(found.kind) }];
  });
  return {
    ...baseDoc(ctx, "hypervisor-tag", tag),
    associatedResources,
    categoryName: tag.category,
    state: "OK",
    uid: tag.moref,
  };
}
