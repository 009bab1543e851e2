// Who asks for a use case: the API client behind a request, and later the scheduler, the CLI or
// an orchestrator process acting for a workspace. Services see this, never a request or a token.

export type Role = "read-only" | "operator" | "admin";
export const ROLES: readonly Role[] = ["read-only", "operator", "admin"];

export interface Actor {
  /** The workspace everything the actor reads and writes belongs to (the documents' customerId). */
  workspaceId: string;
  /** The API client's row id (a policy's createdBy.id). */
  apiClientId: string;
  /** The API client's public client_id (createdBy.name, an operation's userId). */
  clientId: string;
  role: Role;
}
