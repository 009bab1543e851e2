// The port through which the API-client service reads and writes clients and workspaces
// (src/db/api-client-repository.ts implements it). A client is found by its id or its client_id;
// `workspaceId`, when given, restricts a call to that workspace.
import type { Role } from "../../domain/actor.ts";

export interface ApiClientRecord {
  id: string;
  workspaceId: string;
  clientId: string;
  secretHash: string;
  name: string;
  role: Role;
  createdAt: string;
}

export interface ApiClientRepository {
  /** Records the client (and its workspace when new); false when its client_id is taken. */
  insert(client: ApiClientRecord): Promise<boolean>;
  /** Records a new workspace; false when the id was ever a workspace or owns any row in any resource table. */
  openWorkspace(workspaceId: string, createdAt: string): Promise<boolean>;
  /** The bootstrap admin's workspace, else the oldest workspace. */
  firstWorkspace(): Promise<string | undefined>;
  list(workspaceId?: string): Promise<ApiClientRecord[]>;
  /** False when no such client (in that workspace). */
  delete(idOrClientId: string, workspaceId?: string): Promise<boolean>;
  /** The changed client, or undefined when there is none (in that workspace). */
  update(idOrClientId: string, workspaceId: string | undefined, set: { secretHash?: string; role?: Role }): Promise<ApiClientRecord | undefined>;
  byClientId(clientId: string): Promise<ApiClientRecord | undefined>;
  roleOf(id: string): Promise<Role | undefined>;
  isEmpty(): Promise<boolean>;
}
