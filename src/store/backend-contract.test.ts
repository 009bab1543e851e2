import { afterAll } from "vitest";
import { backendContract } from "./test-support/backend-contract.ts";
import { backendKinds, newS3Backend } from "./test-support/s3.ts";

const kinds = backendKinds();
afterAll(() => {
  for (const k of kinds) k.cleanup();
});
for (const k of kinds) backendContract(k.name, () => k.make(), { skip: k.skip });
// where RGW ignores conditional writes: putExclusive must still let exactly one creator win
const s3 = kinds.find((k) => k.name === "s3");
backendContract("s3, versioned bucket", () => newS3Backend({ kind: "versioned" }), { skip: s3?.skip ?? "" });
