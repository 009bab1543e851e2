// Building blocks shared by the virtualization/v1beta1 inventory schemas (VirtualMachine,
// Datastore, Hypervisor*): references to other inventory objects and the common fields.
import { type TProperties, Type } from "typebox";
import { CommonResourceFields } from "./common-schemas.ts";

const O = Type.Optional;

/** An enum of strings that stays a typed scalar (filterable, sortable); Type.Enum drops `type`. */
export const StringEnum = (values: readonly string[], options: { description?: string } = {}) => Type.String({ enum: [...values], ...options });
const S = () => Type.String();

/** `{id, name, displayName, resourceUri, type}`: how inventory objects point at each other. */
export const InventoryRef = Type.Object({
  id: O(S()),
  name: O(S()),
  displayName: O(S()),
  resourceUri: O(S()),
  type: O(S()),
});
export const InventoryRefWithMoref = Type.Object({ ...InventoryRef.properties, moref: O(S()) });

export const DatacenterInfo = Type.Object({ id: O(S()), moref: O(S()), name: O(S()) });

/** appInfo.vmware of clusters, hosts, networks, folders and resource pools. */
export const VmwarePlacement = Type.Object({
  vmware: O(Type.Object({ datacenterInfo: O(DatacenterInfo), moref: O(S()) })),
});

export const STATES_OK_ERROR = ["OK", "ERROR", "REFRESHING"] as const;
export const STATUSES = ["OK", "ERROR", "WARNING"] as const;
export const PROTECTION_STATUSES = ["UNPROTECTED", "LAPSED", "PENDING", "PARTIAL", "PROTECTED", "PAUSED", "UNSUPPORTED"] as const;

/** The protection fields a VM or datastore carries; the protection-jobs issue fills them. */
export const ProtectionFields = {
  protectionStatus: O(StringEnum([...PROTECTION_STATUSES])),
  recoveryPointsExist: O(Type.Boolean()),
  protectionJobInfo: O(
    Type.Object({
      id: O(Type.String({ format: "uuid" })),
      name: O(S()),
      resourceUri: O(S()),
      type: O(S()),
      protectionPolicyInfo: O(Type.Object({ id: O(Type.String({ format: "uuid" })), name: O(S()), resourceUri: O(S()), type: O(S()) })),
    }),
  ),
  protectionPolicyAppliedAtInfo: O(
    Type.Object({ id: O(S()), name: O(S()), resourceUri: O(S()), type: O(StringEnum(["DATASTORE", "VIRTUAL_MACHINE", "VM_PROTECTION_GROUP"])) }),
  ),
  vmProtectionGroupsInfo: O(Type.Array(Type.Object({ id: O(S()), name: O(S()), resourceUri: O(S()), type: O(S()) }))),
};

/** Common resource fields plus displayName and the owning hypervisor manager. */
export function inventoryObject(properties: TProperties, description: string) {
  return Type.Object(
    {
      ...CommonResourceFields,
      displayName: O(S()),
      hypervisorManagerInfo: O(InventoryRef),
      ...properties,
    },
    { description },
  );
}
