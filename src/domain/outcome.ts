// What a use case produced, independent of HTTP: the api layer turns a resource into 200/201 with
// its body, an operation into 202 with a Location header, and nothing into 204.

/** A synchronous write: the resource as it is now stored. */
export interface ResourceOutcome {
  resource: object;
}

/** An asynchronous command: the id of the async operation that carries it out. */
export interface OperationOutcome {
  operationId: string;
}

export type Outcome = ResourceOutcome | OperationOutcome | undefined;
