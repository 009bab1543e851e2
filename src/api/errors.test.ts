// Store and connector errors reach clients by their type and kind, never by their message.
import { describe, expect, test } from "vitest";
import { ConnectorError } from "../connectors/connector-error.ts";
import type { AppError } from "../domain/app-error.ts";
import { BackupNotFoundError, ChunkCorruptError, GcLockedError, ImageIoError, OperationCancelledError, StoreArgumentError, StoreIoError, WrongKeyError } from "../store/errors.ts";
import { toAppError } from "./errors.ts";

const shape = (e: AppError) => ({ status: e.httpStatusCode, code: e.errorCode, message: e.message });

describe("toAppError", () => {
  test("a wrong store key is a 503 of the server, never a 401 token failure", () => {
    const e = toAppError(new WrongKeyError());
    expect(shape(e)).toEqual({ status: 503, code: "SERVICE_UNAVAILABLE", message: "wrong passphrase or key file for this store" });
    expect(e.headers["www-authenticate"]).toBeUndefined();
  });

  test("store errors map by class; corruption and I/O say nothing about the inside", () => {
    expect(shape(toAppError(new StoreArgumentError("bad range")))).toEqual({ status: 400, code: "BAD_REQUEST", message: "bad range" });
    expect(shape(toAppError(new StoreIoError("ENOSPC", "write failed")))).toMatchObject({ status: 500, message: "internal error; quote the debugId when reporting it" });
    expect(shape(toAppError(new GcLockedError()))).toMatchObject({ status: 409, code: "CONFLICT" });
    expect(shape(toAppError(new BackupNotFoundError("b1")))).toEqual({ status: 404, code: "NOT_FOUND", message: "backup b1 not found" });
    expect(shape(toAppError(new ChunkCorruptError("c1", "bad tag")))).toEqual({ status: 500, code: "INTERNAL_ERROR", message: "internal error; quote the debugId when reporting it" });
    expect(shape(toAppError(new OperationCancelledError("backup")))).toEqual({ status: 409, code: "CONFLICT", message: "backup was cancelled" });
  });

  test("a failed source or target disk maps by its own error: a connector's kind, else a 500", () => {
    const busy = new ImageIoError("source", "read failed", { cause: new ConnectorError("unavailable", "datastore offline") });
    expect(shape(toAppError(busy))).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
    expect(shape(toAppError(new ImageIoError("target", "write failed", { cause: new Error("EIO") })))).toMatchObject({ status: 500, code: "INTERNAL_ERROR" });
  });

  test("connector kinds map to their statuses, whatever the message says", () => {
    expect(shape(toAppError(new ConnectorError("not-found", "token expired")))).toEqual({ status: 404, code: "NOT_FOUND", message: "token expired" });
    expect(shape(toAppError(new ConnectorError("conflict", "vm is powered on")))).toMatchObject({ status: 409, code: "CONFLICT" });
    expect(shape(toAppError(new ConnectorError("bad-argument", "x")))).toMatchObject({ status: 400 });
    expect(shape(toAppError(new ConnectorError("precondition", "x")))).toMatchObject({ status: 412 });
    expect(shape(toAppError(new ConnectorError("unavailable", "locked")))).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
  });

  test("an error that only looks like an auth failure stays a 500", () => {
    expect(shape(toAppError(new Error("the access token is invalid or expired")))).toMatchObject({ status: 500, code: "INTERNAL_ERROR" });
  });
});
