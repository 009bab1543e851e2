// Test fixture run as a child process by sqlite-immediate.test.ts (not a test itself): opens the
// SQLite file named in argv through openDatabase() and runs read-then-write transactions on one
// counter, yielding between the read and the write so the other process can commit meanwhile.
// Prints "ok" when all committed, or the first error's code.
import { sql } from "kysely";
import { openDatabase } from "./database.ts";

const [file, rounds] = process.argv.slice(2);
const database = await openDatabase(`sqlite:${file}`);
try {
  for (let i = 0; i < Number(rounds); i++) {
    await database.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ value: number }>`select value from counter`.execute(trx);
      await new Promise((resolve) => setTimeout(resolve, 1));
      await sql`update counter set value = ${Number(rows[0]?.value) + 1}`.execute(trx);
    });
  }
  process.stdout.write("ok\n");
} catch (err) {
  process.stdout.write(`${err instanceof Error && "code" in err ? String(err.code) : String(err)}\n`);
  process.exitCode = 1;
} finally {
  await database.close();
}
