// The single place that turns any failure into the GreenLake error body
// {httpStatusCode, errorCode, message, debugId}. Nothing else writes error responses.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AppError, type ErrorCode } from "../domain/app-error.ts";
import { NAME_PATTERN } from "../domain/names.ts";
import { redactPrivatePaths } from "../domain/private-paths.ts";
import { type FailureStatus, portFailureStatus } from "../services/failure-status.ts";

export interface ErrorBody {
  httpStatusCode: number;
  errorCode: string;
  message: string;
  debugId: string;
  /** compat: OAuth2 clients (requests-oauthlib) look for `error` on token endpoint failures. */
  error?: string;
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: "BAD_REQUEST",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  408: "REQUEST_TIMEOUT",
  412: "PRECONDITION_FAILED",
  413: "PAYLOAD_TOO_LARGE",
  414: "URI_TOO_LONG",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "TOO_MANY_REQUESTS",
  431: "REQUEST_HEADER_FIELDS_TOO_LARGE",
  501: "NOT_IMPLEMENTED",
  503: "SERVICE_UNAVAILABLE",
};

interface AjvIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

function describeValidation(err: FastifyError): string {
  const where = err.validationContext ?? "request";
  const issues = (err.validation ?? []) as AjvIssue[];
  const parts = issues.slice(0, 5).map((v) => {
    const path = (v.instancePath ?? "").replace(/^\//, "").replaceAll("/", ".");
    if (v.keyword === "additionalProperties") {
      const field = [path, String(v.params?.additionalProperty)].filter(Boolean).join(".");
      return `'${field}' is not a writable field`;
    }
    const message = v.keyword === "pattern" && v.params?.pattern === NAME_PATTERN ? "must not contain control characters" : v.message;
    return `${path ? `'${path}' ` : ""}${message ?? "is invalid"}`;
  });
  return `${where}: ${parts.join("; ") || err.message}`;
}

function fromKind(err: Error, [status, code]: FailureStatus): AppError {
  // 500s say nothing about the inside; the log line has the error itself.
  const message = status >= 500 && status !== 503 ? "internal error; quote the debugId when reporting it" : err.message;
  return new AppError(status, code, message, { cause: err });
}

/** Maps anything thrown during a request to an AppError; unknown errors become 500. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const port = portFailureStatus(err);
  if (port && err instanceof Error) return fromKind(err, port);
  const e = err as FastifyError;
  if (e?.validation) return new AppError(400, "BAD_REQUEST", describeValidation(e));
  switch (e?.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new AppError(413, "PAYLOAD_TOO_LARGE", "request body is too large");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new AppError(415, "UNSUPPORTED_MEDIA_TYPE", "unsupported content type; send application/json");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return AppError.badRequest("request body is empty; send a JSON object");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return AppError.badRequest("request body is not valid JSON");
    case "FST_ERR_BAD_URL":
      return AppError.badRequest("the request path is not valid percent-encoding");
    case "FST_ERR_MAX_PARAM_LENGTH":
      return new AppError(414, "URI_TOO_LONG", "a path parameter is longer than 256 characters");
  }
  if (e instanceof SyntaxError) return AppError.badRequest("request body is not valid JSON");
  const status = typeof e?.statusCode === "number" ? e.statusCode : 500;
  if (status >= 400 && status < 500) return new AppError(status, CODE_BY_STATUS[status] ?? "BAD_REQUEST", e.message);
  return new AppError(500, "INTERNAL_ERROR", "internal error; quote the debugId when reporting it", { cause: err });
}

/**
 * The GreenLake error body of a request the HTTP parser refused before Fastify saw it (oversized
 * headers or URL: 431, a timeout: 408, anything else malformed: 400), as raw HTTP/1.1 bytes.
 */
export function clientErrorResponse(code: string | undefined, debugId: string): string {
  const [status, reason, message] =
    code === "HPE_HEADER_OVERFLOW"
      ? [431, "Request Header Fields Too Large", "the request's headers or URL are too large"]
      : code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", "the request was not received in time"]
        : [400, "Bad Request", "the request is not valid HTTP"];
  const body = JSON.stringify({ httpStatusCode: status, errorCode: CODE_BY_STATUS[status], message, debugId });
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: AppError, extra: Partial<ErrorBody> = {}): FastifyReply {
  const body: ErrorBody = {
    httpStatusCode: err.httpStatusCode,
    errorCode: err.errorCode,
    message: redactPrivatePaths(err.message),
    debugId: String(request.id),
    ...extra,
  };
  for (const [name, value] of Object.entries(err.headers)) reply.header(name, value);
  return reply.code(err.httpStatusCode).type("application/json").send(JSON.stringify(body));
}
