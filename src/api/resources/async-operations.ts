// GET /data-services/v1beta1/async-operations[/{id}]: the tasks behind every 202 Location.
import { Type } from "typebox";
import type { CollectionDefinition } from "../resource/collection-definition.ts";
import { ASYNC_OPERATIONS_PATH } from "../../domain/paths.ts";
import { CommonResourceFields, Timestamp } from "../../domain/schemas/common-schemas.ts";

const Reference = Type.Object({
  id: Type.Optional(Type.String({ format: "uuid" })),
  name: Type.Optional(Type.String()),
  resourceUri: Type.String(),
  type: Type.String(),
});

export const AsyncOperationSchema = Type.Object({
  ...CommonResourceFields,
  displayName: Type.String(),
  state: Type.String({ description: "INITIALIZED | RUNNING | SUCCEEDED | FAILED | CANCELLED | TIMEDOUT | PAUSED" }),
  // compat: clients in the wild poll `status`; it mirrors `state`.
  status: Type.String(),
  healthStatus: Type.String(),
  progressPercent: Type.Integer({ minimum: 0, maximum: 100 }),
  startedAt: Type.Union([Timestamp, Type.Null()]),
  endedAt: Type.Union([Timestamp, Type.Null()]),
  error: Type.Optional(Type.Object({ error: Type.String(), errorCode: Type.String(), traceId: Type.String() })),
  logMessages: Type.Array(Type.Object({ message: Type.String(), timestamp: Timestamp })),
  associatedResources: Type.Array(Type.Object({ name: Type.Optional(Type.String()), resourceUri: Type.String(), type: Type.String() })),
  sourceResourceUri: Type.Union([Type.String(), Type.Null()]),
  parent: Type.Optional(Reference),
  rootOperation: Type.Optional(Reference),
  hasChildOperations: Type.Boolean(),
  subtreeOperationCount: Type.Integer({ minimum: 0 }),
  suggestedPollingIntervalSeconds: Type.Integer(),
  estimatedRunningDurationMinutes: Type.Integer(),
  services: Type.Array(Type.String()),
  userId: Type.String(),
  groups: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  recommendations: Type.Array(Type.Object({ message: Type.String() })),
});

export const asyncOperations: CollectionDefinition = {
  name: "async-operations",
  path: ASYNC_OPERATIONS_PATH,
  idParam: "id",
  tag: "async-operations",
  schema: AsyncOperationSchema,
  table: "async_operations",
  promoted: {
    state: "state",
    created_at: "createdAt",
    updated_at: "updatedAt",
    generation: "generation",
    parent_id: "parent/id",
  },
  list: {
    operationId: "ListAsyncOperations",
    summary: "List async operations",
    envelope: "standard",
    limitDefault: 100,
    limitMax: 1000,
    filterable: "all",
    errors: [400, 401, 403, 500, 503],
  },
  get: { operationId: "GetAsyncOperation", summary: "Get one async operation", errors: [400, 401, 403, 404, 500, 503] },
};
