// ETag: "<generation>" on single resources, so that clients can send it back in If-Match
// (parseIfMatch) as HTTP intends. The generation is the version the write side checks.

// SQLite returns the text as written (`"generation":3`), PostgreSQL's jsonb as `"generation": 3`.
const GENERATION = /"generation":\s*(\d{1,15})\s*[,}]/;
const KEY = /"generation":/g;

/** The ETag of a stored document's JSON text, or undefined when it carries no generation. */
export function etagOfRaw(raw: string): string | undefined {
  // GET-by-id is the hottest route: find the key in the text instead of parsing the document.
  // Inside a JSON string a quote is escaped, so the pattern can only match a key; it is taken
  // only when it occurs once, i.e. when no nested object has a `generation` key of its own.
  const m = GENERATION.exec(raw);
  if (m && raw.match(KEY)?.length === 1) return `"${m[1]}"`;
  const doc: unknown = JSON.parse(raw);
  return etagOf(doc);
}

/** The ETag of a resource a write returned, or undefined when it carries no generation. */
export function etagOf(doc: unknown): string | undefined {
  if (doc === null || typeof doc !== "object" || !("generation" in doc)) return undefined;
  const { generation } = doc;
  return typeof generation === "number" && Number.isSafeInteger(generation) ? `"${generation}"` : undefined;
}
