// Builds list responses as JSON text from the stored documents' JSON text: no parse/serialise
// per row unless `select` needs the objects.
import type { EnvelopeKind } from "./collection-definition.ts";

export function listEnvelope(
  kind: EnvelopeKind,
  items: readonly string[],
  page: { offset: number; limit: number; total: number },
): string {
  const head = `{"items":[${items.join(",")}],"count":${items.length}`;
  switch (kind) {
    case "standard":
      return `${head},"offset":${page.offset},"total":${page.total}}`;
    case "page":
      // compat: application-hosts and MSSQL lists name their paging fields pageLimit/pageOffset.
      return `${head},"pageLimit":${page.limit},"pageOffset":${page.offset},"total":${page.total}}`;
    case "psg":
      // compat: protection-store-gateways echo the query's limit next to offset.
      return `${head},"limit":${page.limit},"offset":${page.offset},"total":${page.total}}`;
  }
}
