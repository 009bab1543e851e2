import { describe, expect, it } from "vitest";
import { ConnectorError } from "../connectors/connector-error.ts";
import { AppError } from "../domain/app-error.ts";
import { registerPrivatePath } from "../domain/private-paths.ts";
import { BackupNotFoundError, ChunkCorruptError, StoreIoError, StoreUnavailableError, wrapStoreError } from "../store/errors.ts";
import { S3RequestError } from "../store/backends/s3-client.ts";
import { describeFailure } from "./job-failure.ts";
import { TransientJobError } from "./job-handler.ts";

const GENERIC = "internal error while running the operation";

describe("what a failed job records", () => {
  registerPrivatePath("/srv/obr-private-test");

  it("a connector's message and the status code a request would get, paths redacted", () => {
    expect(describeFailure(new ConnectorError("not-found", "virtual machine vm-9 not found"))).toEqual({
      message: "virtual machine vm-9 not found",
      code: "NOT_FOUND",
      unexpected: false,
    });
    expect(describeFailure(new ConnectorError("conflict", "cannot powerOn virtual machine a: it is poweredOn")).code).toBe("CONFLICT");
    // A damaged lab file names the file (without the data dir) and is logged as the server's problem.
    expect(describeFailure(new ConnectorError("corrupt", "corrupt lab file /srv/obr-private-test/lab/x/state.json"))).toEqual({
      message: "corrupt lab file <data dir>/lab/x/state.json",
      code: "INTERNAL_ERROR",
      unexpected: true,
    });
  });

  it("a store's refusal by its message; its corruption and I/O failures stay generic", () => {
    expect(describeFailure(new BackupNotFoundError("b-1"))).toMatchObject({ code: "NOT_FOUND", unexpected: false });
    expect(describeFailure(new BackupNotFoundError("b-1")).message).toContain("b-1");
    expect(describeFailure(new ChunkCorruptError("c1", "bad hash"))).toEqual({ message: GENERIC, code: "INTERNAL_ERROR", unexpected: true });
    expect(describeFailure(new StoreIoError("EIO", "read /srv/obr-private-test/s failed"))).toEqual({ message: GENERIC, code: "INTERNAL_ERROR", unexpected: true });
  });

  it("an object store that cannot be reached says which request failed where (503); an S3 refusal stays generic", () => {
    const refused = new S3RequestError("EIO", "S3 PutObject packs/ab/abcd (Error)", undefined, { cause: new Error("connect ECONNREFUSED 127.0.0.1:7480") });
    const wrapped = wrapStoreError(refused, "copy");
    expect(wrapped).toBeInstanceOf(StoreUnavailableError);
    expect(describeFailure(wrapped)).toEqual({ message: "copy failed: S3 PutObject packs/ab/abcd (Error): connect ECONNREFUSED 127.0.0.1:7480", code: "SERVICE_UNAVAILABLE", unexpected: true });
    expect(wrapStoreError(new S3RequestError("EIO", "S3 GetObject k (InternalError, HTTP 500)", 500), "restore")).toBeInstanceOf(StoreUnavailableError);
    expect(describeFailure(wrapStoreError(new S3RequestError("EACCES", "S3 GetObject k (AccessDenied, HTTP 403)", 403), "restore"))).toEqual({ message: GENERIC, code: "INTERNAL_ERROR", unexpected: true });
  });

  it("AppError and retries as before; anything else generic", () => {
    expect(describeFailure(AppError.conflict("busy"))).toEqual({ message: "busy", code: "CONFLICT", unexpected: false });
    expect(describeFailure(new TransientJobError("flaky"))).toEqual({ message: "flaky", code: "RETRIES_EXHAUSTED", unexpected: false });
    expect(describeFailure(new Error("/srv/obr-private-test/secret"))).toEqual({ message: GENERIC, code: "INTERNAL_ERROR", unexpected: true });
  });
});
