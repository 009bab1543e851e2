// What the store's data says about config.json. Every frame's header says whether it is
// encrypted, and a chunk frame which hash names it, independently of config.json. On open a
// few frames are sampled (index blobs, manifests, the first frame of a few packs); if every
// sampled frame contradicts the config, the config is wrong (damaged, edited or from another
// store) and the store is refused: an encrypted store is never opened as a plain one, nor a
// BLAKE3 store as a SHA-256 one. One damaged frame cannot refuse a store as long as another
// sample agrees with the config. The samples are read while config.json is (on S3 each request
// is a round trip: the open took 240 ms here when the reads followed one another, ≈ 100 ms at once).
import type { BlobBackend } from "./backend.ts";
import { frameFlags } from "./chunk-codec.ts";
import { StoreConfigError } from "./errors.ts";
import { BACKUP_PREFIX } from "./manifest.ts";
import { INDEX_PREFIX, PACK_PREFIX } from "./pack-index.ts";
import type { StoreConfig } from "./store-config.ts";

const SAMPLES = 3;

type Flags = { encrypted: boolean; blake3: boolean };

/** What a few frames of each kind say about themselves. */
export interface DataEvidence {
  indexes: Flags[];
  manifests: Flags[];
  packs: Flags[];
}

async function headers(backend: BlobBackend, prefix: string): Promise<Flags[]> {
  const keys = (await backend.listKeys(prefix)).slice(0, SAMPLES);
  const flags = await Promise.all(
    keys.map(async (k) => {
      const head = Buffer.alloc(5);
      const n = await backend.readAt(k, 0, head).catch(() => 0); // removed meanwhile: no evidence
      return n === head.length ? frameFlags(head) : null;
    }),
  );
  return flags.filter((f) => f !== null);
}

/** Reads the frame headers the check needs; independent of config.json, so both are read at once. */
export async function sampleData(backend: BlobBackend): Promise<DataEvidence> {
  const [indexes, manifests, packs] = await Promise.all([headers(backend, INDEX_PREFIX), headers(backend, BACKUP_PREFIX), headers(backend, PACK_PREFIX)]);
  return { indexes, manifests, packs };
}

/** Throws StoreConfigError when the sampled frames unanimously contradict the config. */
export function checkConfigAgainstData(evidence: DataEvidence, cfg: StoreConfig): void {
  const { indexes, manifests, packs } = evidence;
  const all = [...indexes, ...manifests, ...packs];
  const encrypted = cfg.encryption !== null;
  if (all.length > 0 && all.every((f) => f.encrypted !== encrypted)) {
    throw new StoreConfigError(
      "encryption",
      encrypted ? "config.json says encrypted but the store's data is not (a config.json from another store?)" : "config.json says not encrypted but the store's data is encrypted: config.json is damaged; refusing to open it as a plain store",
    );
  }
  const blake3 = (cfg.idHash ?? "sha256") === "blake3";
  if (packs.length > 0 && packs.every((f) => f.blake3 !== blake3)) {
    throw new StoreConfigError("idHash", `config.json says ${blake3 ? "blake3" : "sha256"} but the store's chunks are named with ${blake3 ? "sha256" : "blake3"}`);
  }
}
