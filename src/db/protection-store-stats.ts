// Every protection store's logical and stored bytes for GET /metrics (the StoreStatsSource of
// services/metrics.ts), read from the stores' documents (where their measurements are kept)
// across workspaces: a scrape opens no store.
import { sql } from "kysely";
import { Type } from "typebox";
import { Value } from "typebox/value";
import type { StoreStats, StoreStatsSource } from "../services/metrics.ts";
import type { Database } from "./database.ts";

const Measured = Type.Object({ userDataStoredInBytes: Type.Number(), sizeOnDiskInBytes: Type.Number() });

export function protectionStoreStats(database: Database): StoreStatsSource {
  return async () => {
    const rows = await sql<{ id: string; customer_id: string; doc: unknown }>`select id, customer_id, doc from protection_stores`.execute(database.db);
    const out: StoreStats[] = [];
    for (const row of rows.rows) {
      // jsonb arrives parsed from PostgreSQL, text from SQLite.
      const doc: unknown = typeof row.doc === "string" ? JSON.parse(row.doc) : row.doc;
      if (!Value.Check(Measured, doc)) continue;
      out.push({ storeId: row.id, workspaceId: row.customer_id, logicalBytes: doc.userDataStoredInBytes, storedBytes: doc.sizeOnDiskInBytes });
    }
    return out;
  };
}
