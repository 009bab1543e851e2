// StoreOnce of backup-recovery/v1beta1 (as obr fills it for a lab appliance) and its request bodies.
import { Type } from "typebox";
import { CommonResourceFields, Timestamp } from "./common-schemas.ts";
import { StringEnum } from "./inventory-schemas.ts";

const O = Type.Optional;
const S = () => Type.String();
const Bytes = () => Type.Integer({ minimum: 0 });

export const STOREONCE_HEALTH_STATES = [
  "SO_HEALTH_STATE_UNKNOWN",
  "SO_HEALTH_STATE_OK",
  "SO_HEALTH_STATE_WARNING",
  "SO_HEALTH_STATE_CRITICAL",
  "SO_HEALTH_STATE_REGISTERING",
  "SO_HEALTH_STATE_ERROR",
  "SO_HEALTH_STATE_DELETING",
] as const;
export type StoreOnceHealthState = (typeof STOREONCE_HEALTH_STATES)[number];

export const StoreOnceSchema = Type.Object(
  {
    ...CommonResourceFields,
    dataOrchestrators: O(Type.Array(Type.Object({ id: O(S()), name: O(S()), resourceUri: O(S()), serialNumber: O(S()), type: O(S()) }))),
    description: O(Type.String({ maxLength: 255 })),
    health: O(
      Type.Object({
        state: O(StringEnum([...STOREONCE_HEALTH_STATES])),
        stateReason: O(Type.Union([Type.Null(), S()])),
        status: O(StringEnum(["SO_HEALTH_STATUS_CONNECTED", "SO_HEALTH_STATUS_DISCONNECTED"])),
        updatedAt: O(Timestamp),
      }),
    ),
    network: O(Type.Object({ hostname: O(S()) })),
    serialNumber: O(S()),
    softwareVersion: O(S()),
    storage: O(
      Type.Object({
        capacityLicensedBytes: O(Bytes()),
        capacityUnlicensedBytes: O(Bytes()),
        configuredStorageBytes: O(Bytes()),
        freeBytes: O(Bytes()),
        state: O(StringEnum(["OK", "ERROR", "WARNING"])),
        unconfiguredStorageBytes: O(Bytes()),
        usedBytes: O(Bytes()),
      }),
    ),
  },
  { description: "A StoreOnce appliance that hosts on-premises protection stores" },
);

/** POST /storeonces. compat: the contract requires `username`/`password` yet defines them only inside `credentials`; obr requires `credentials`. */
export const StoreOncePostSchema = Type.Object({
  networkAddress: Type.String({ minLength: 1, maxLength: 255 }),
  serialNumber: Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9._-]+$" }),
  name: O(Type.String({ minLength: 1, maxLength: 255 })),
  description: O(Type.String({ maxLength: 255 })),
  credentials: Type.Object({ username: Type.String({ minLength: 1, maxLength: 255 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }),
});

/** PATCH /storeonces/{id} (merge patch). */
export const StoreOncePatchSchema = Type.Object(
  { networkAddress: Type.String({ minLength: 1, maxLength: 255 }), description: O(Type.String({ maxLength: 255 })) },
  { additionalProperties: false },
);
