// Kysely's SQLite dialect with write transactions that begin IMMEDIATE. Kysely runs a plain
// `begin` (DEFERRED): the first read takes a snapshot, and when another process commits before
// the transaction's first write, the upgrade fails with SQLITE_BUSY at once (waiting cannot make
// a stale snapshot current). IMMEDIATE takes the write lock up front, so a second writer waits
// its busy_timeout instead. Reads outside transactions are unaffected.
import { CompiledQuery, type DatabaseConnection, type Driver, SqliteDialect, type SqliteDialectConfig, SqliteDriver } from "kysely";

const BEGIN_IMMEDIATE = CompiledQuery.raw("begin immediate");

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(BEGIN_IMMEDIATE);
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
