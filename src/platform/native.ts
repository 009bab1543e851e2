// obr's optional native addon (native/obr-native.c), built by `npm install` where a C compiler
// exists. Everything it offers has a fallback: the JavaScript chunker (same cuts, half the
// speed) and no page-cache dropping. Loaded on first use, once per thread (workers load it too),
// never at import: importing the store (or the lab, which drops written disk pages) loads no binary.
import { createRequire } from "node:module";

export interface NativeAddon {
  /** The content-defined cut search; see cdcCutJs in chunker-cdc.ts. */
  cdcCut(buf: Uint8Array, start: number, limit: number, minSize: number, avgBits: number): number;
  /** posix_fadvise(fd, offset, length, POSIX_FADV_DONTNEED) on the libuv pool. */
  dropCache(fd: number, offset: number, length: number): Promise<void>;
  /** madvise(MADV_HUGEPAGE) on the 2 MiB-aligned part of view's memory; call before first use. */
  adviseHugePages(view: Uint8Array): boolean;
  /** madvise(MADV_POPULATE_WRITE) on the libuv pool: the view's pages are faulted in now, contents unchanged. */
  prefault(view: Uint8Array): Promise<void>;
}

function load(): NativeAddon | null {
  try {
    return createRequire(import.meta.url)("../../native/build/obr-native.node") as NativeAddon;
  } catch {
    return null;
  }
}

let loaded: NativeAddon | null | undefined;

/** The addon, or null where it is not built. */
export function nativeAddon(): NativeAddon | null {
  if (loaded === undefined) loaded = load();
  return loaded;
}
