// The one error type the core throws. The API layer turns it into the GreenLake error body
// {httpStatusCode, errorCode, message, debugId}; nothing else decides status codes.

export type ErrorCode =
  | "BAD_REQUEST"
  | "INVALID_PARAMETER"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "CONFLICT"
  | "PRECONDITION_FAILED"
  | "REQUEST_TIMEOUT"
  | "URI_TOO_LONG"
  | "REQUEST_HEADER_FIELDS_TOO_LARGE"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "TOO_MANY_REQUESTS"
  | "INTERNAL_ERROR"
  | "NOT_IMPLEMENTED"
  | "SERVICE_UNAVAILABLE";

export class AppError extends Error {
  readonly httpStatusCode: number;
  readonly errorCode: ErrorCode;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    httpStatusCode: number,
    errorCode: ErrorCode,
    message: string,
    options: { headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.httpStatusCode = httpStatusCode;
    this.errorCode = errorCode;
    this.headers = options.headers ?? {};
  }

  static badRequest(message: string): AppError {
    return new AppError(400, "BAD_REQUEST", message);
  }
  static notFound(message: string): AppError {
    return new AppError(404, "NOT_FOUND", message);
  }
  static conflict(message: string): AppError {
    return new AppError(409, "CONFLICT", message);
  }
  static preconditionFailed(message: string): AppError {
    return new AppError(412, "PRECONDITION_FAILED", message);
  }
  static unauthenticated(message: string): AppError {
    return new AppError(401, "UNAUTHENTICATED", message, { headers: { "www-authenticate": 'Bearer realm="obr"' } });
  }
  static forbidden(message: string): AppError {
    return new AppError(403, "FORBIDDEN", message);
  }
}
