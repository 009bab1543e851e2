// What the SDK throws: the API's own error (status, code, message, debugId, never a stack), and
// an async operation that ended without succeeding.

/** The GreenLake error body of a 4xx/5xx answer. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly httpStatusCode: number;
  readonly errorCode: string;
  readonly debugId: string | undefined;

  constructor(httpStatusCode: number, errorCode: string, message: string, debugId: string | undefined) {
    super(message);
    this.httpStatusCode = httpStatusCode;
    this.errorCode = errorCode;
    this.debugId = debugId;
  }

  /** Reads an error answer; a body that is not the GreenLake error shape still gives its status. */
  static async from(res: Response): Promise<ApiError> {
    const body: unknown = await res.json().catch(() => undefined);
    const text = (name: string) => {
      const v = typeof body === "object" && body !== null ? Reflect.get(body, name) : undefined;
      return typeof v === "string" ? v : undefined;
    };
    return new ApiError(res.status, text("errorCode") ?? String(res.status), text("message") ?? res.statusText, text("debugId"));
  }
}

/** An async operation that ended FAILED, CANCELLED or TIMEDOUT: its state and its own error. */
export class OperationFailedError extends Error {
  override readonly name = "OperationFailedError";
  readonly operationId: string;
  readonly state: string;
  readonly errorCode: string | undefined;

  constructor(operationId: string, state: string, message: string, errorCode: string | undefined) {
    super(message);
    this.operationId = operationId;
    this.state = state;
    this.errorCode = errorCode;
  }
}
