// config.json at the store root: format version, chunking parameters, compression level and
// the (wrapped) encryption key. Plain JSON: it must be readable before any key is known.
import type { BlobBackend } from "./backend.ts";
import { isNotFound } from "./backend.ts";
import type { IdHash } from "./chunk-codec.ts";
import type { ChunkingParams } from "./chunker.ts";
import type { EncryptionConfig } from "./crypto.ts";
import { AppError } from "../domain/app-error.ts";

export const CONFIG_KEY = "config.json";

export interface StoreConfig {
  format: "obr-protection-store";
  version: 1;
  createdAt: string;
  chunking: ChunkingParams;
  zstdLevel: number;
  /** Chunk id hash; absent in stores created before BLAKE3 became the default (= "sha256"). */
  idHash?: IdHash;
  encryption: EncryptionConfig | null;
}

export async function writeNewConfig(backend: BlobBackend, cfg: StoreConfig): Promise<void> {
  if (!(await backend.putExclusive(CONFIG_KEY, Buffer.from(JSON.stringify(cfg, null, 2))))) {
    throw AppError.conflict("a protection store already exists there");
  }
}

export async function readConfig(backend: BlobBackend): Promise<StoreConfig> {
  let raw: Buffer;
  try {
    raw = await backend.get(CONFIG_KEY);
  } catch (err) {
    if (isNotFound(err)) throw AppError.notFound("no protection store there (config.json missing)");
    throw err;
  }
  const cfg = JSON.parse(raw.toString()) as StoreConfig;
  if (cfg.format !== "obr-protection-store" || cfg.version !== 1) throw AppError.badRequest(`unsupported store format ${cfg.format} v${cfg.version}`);
  return cfg;
}
