// The obr SDK: `import { createObrClient } from "open-backup-recovery/sdk"`.
export type { components, operations, paths } from "./api-types.ts";
export type { ListItem, ListOptions, ListPath, ObrClient, ObrClientOptions } from "./client.ts";
export { createObrClient } from "./client.ts";
export { ApiError, OperationFailedError } from "./errors.ts";
export type { OperationView, WaitOptions } from "./operations.ts";
export type { RetryOptions } from "./retry.ts";
export type { ClientCredentials } from "./tokens.ts";
export { TokenError } from "./tokens.ts";
