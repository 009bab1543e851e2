// Job types of the test suite, registered only with OBR_TEST_JOBS=1. Each run's side effect is a
// row of obr_test_job_runs written in a fenced transaction (ctx.fenced): tests count the rows to
// prove a job ran exactly once, and the undo hooks leave rows of their own kind.
import { type Kysely, sql } from "kysely";
import { Type } from "typebox";
import { setTimeout as sleep } from "node:timers/promises";
import type { Tables } from "../db/tables.ts";
import { AppError } from "../domain/app-error.ts";
import type { UnitOfWork } from "../services/async-operations.ts";
import { type JobHandler, type UndoContext, TransientJobError, defineJob } from "./job-handler.ts";

export const TEST_JOB_COUNT = "test.count";
export const TEST_JOB_LIMITED = "test.limited";
/** The time limit of test.limited, ms: long enough that a loaded CI machine claims and finishes a resumed job within it. */
export const TEST_TIME_LIMIT_MS = 1500;

const ChildPayload = Type.Object({
  sleepMs: Type.Optional(Type.Integer({ minimum: 0 })),
  failWith: Type.Optional(Type.String()),
});

const CountPayload = Type.Object({
  ...ChildPayload.properties,
  /** The first attempt blocks this process's event loop this long, so its lease expires meanwhile. */
  stallMs: Type.Optional(Type.Integer({ minimum: 0 })),
  /** The first N attempts throw a TransientJobError (before the side effect). */
  transientFailures: Type.Optional(Type.Integer({ minimum: 0 })),
  /** The undo hooks record their row, then throw: the row must not survive. */
  undoFails: Type.Optional(Type.Boolean()),
  /** Children (test.count) to spawn and wait for; the i-th gets children[i] as its payload. */
  children: Type.Optional(Type.Array(ChildPayload, { maxItems: 50 })),
  /** The children run one after another (each `after` the previous), spawned as the parent starts waiting. */
  inSequence: Type.Optional(Type.Boolean()),
});

export async function createTestJobTables(db: Kysely<Tables>): Promise<void> {
  await sql`create table if not exists obr_test_job_runs (operation_id text not null, attempt integer not null, worker text not null, kind text not null)`.execute(db);
}

async function record(db: Kysely<Tables>, operationId: string, attempt: number, worker: string, kind: string): Promise<void> {
  await sql`insert into obr_test_job_runs (operation_id, attempt, worker, kind) values (${operationId}, ${attempt}, ${worker}, ${kind})`.execute(db);
}

export function testJobs(workerId: string): JobHandler[] {
  const undo = (kind: string) => async (ctx: UndoContext<{ undoFails?: boolean | undefined }>) => {
    await record(ctx.uow, ctx.operationId, 0, workerId, kind);
    if (ctx.payload.undoFails) throw new Error("the undo failed");
  };
  return [
    defineJob({
      type: TEST_JOB_COUNT,
      payload: CountPayload,
      resumable: true,
      maxAttempts: 3,
      async run(ctx) {
        const p = ctx.payload;
        if (ctx.attempt === 1 && p.stallMs) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, p.stallMs);
        if (ctx.attempt <= (p.transientFailures ?? 0)) throw new TransientJobError(`transient failure ${ctx.attempt}`);
        if (p.sleepMs) await sleep(p.sleepMs, undefined, { signal: ctx.signal });
        await ctx.progress(50);
        const side = (trx: Kysely<Tables>) => record(trx, ctx.operation.id, ctx.attempt, workerId, "run");
        if (p.inSequence && p.children?.length) {
          const children = p.children;
          const spawn = async (trx: UnitOfWork) => {
            await side(trx);
            let after: string | undefined;
            for (const [i, child] of children.entries()) {
              after = (await ctx.spawnChild({ name: `child ${i}`, jobType: TEST_JOB_COUNT, payload: child, ...(after ? { after } : {}) }, trx)).id;
            }
          };
          return { waitForChildren: true, commit: spawn };
        }
        // Without children the side effect commits with the completion; a parent's before it waits.
        if (!p.children?.length && p.failWith === undefined) return { commit: side };
        await ctx.fenced(side);
        if (p.failWith !== undefined) throw new AppError(409, "CONFLICT", p.failWith);
        if (!p.children?.length) return [];
        for (const [i, child] of p.children.entries()) await ctx.spawnChild({ name: `child ${i}`, jobType: TEST_JOB_COUNT, payload: child });
        return { waitForChildren: true };
      },
      onFailure: undo("failure"),
      onAbandon: undo("abandon"),
    }),
    defineJob({
      // Resumable: recovery resumes it within its time limit and ends it TIMEDOUT past it.
      type: TEST_JOB_LIMITED,
      payload: Type.Object({ sleepMs: Type.Integer({ minimum: 0 }), undoFails: Type.Optional(Type.Boolean()) }),
      resumable: true,
      timeLimitMs: TEST_TIME_LIMIT_MS,
      async run(ctx) {
        await sleep(ctx.payload.sleepMs, undefined, { signal: ctx.signal });
        await ctx.fenced((trx) => record(trx, ctx.operation.id, ctx.attempt, workerId, "run"));
        return [];
      },
      onFailure: undo("failure"),
    }),
  ];
}
