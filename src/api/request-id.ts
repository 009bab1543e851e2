// debugIds: 32 random hex characters, cut from a pool of CSPRNG bytes refilled 256 ids at a time.
// randomUUID().replaceAll("-", "") gives the same shape at several times the cost per request.
import { randomFillSync } from "node:crypto";

const ID_BYTES = 16;
const pool = Buffer.allocUnsafe(ID_BYTES * 256);
let next = pool.length;

export function newRequestId(): string {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const id = pool.toString("hex", next, next + ID_BYTES);
  next += ID_BYTES;
  return id;
}
