// CommonResourceProperties of the contract: the fields every resource carries.
import { Type } from "typebox";

export const Timestamp = Type.String({ format: "date-time" });

export const CommonResourceFields = {
  id: Type.String({ format: "uuid" }),
  name: Type.String(),
  type: Type.String(),
  generation: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  resourceUri: Type.String(),
  customerId: Type.String(),
};
