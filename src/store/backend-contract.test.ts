import { afterAll } from "vitest";
import { backendContract } from "./test-support/backend-contract.ts";
import { backendKinds } from "./test-support/s3.ts";

const kinds = backendKinds();
afterAll(() => {
  for (const k of kinds) k.cleanup();
});
for (const k of kinds) backendContract(k.name, () => k.make(), { skip: k.skip });
