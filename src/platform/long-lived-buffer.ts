// Memory a process keeps for its whole life (the worker pool's slots, the buffers that verify a
// backup's packs as they are written). On virtual machines whose guest memory the host takes
// back, the first touch of a page is a costly fault: huge pages halve it, and a long-running
// service can fault the pages in when the buffer is made (in the background, on the libuv pool),
// out of the first backup that uses them: a 2 GiB first backup's tier took 0.1-0.2 s less with the
// pool's 96 MiB of slots faulted in beforehand. A one-shot command uses its buffers at once, so it
// gains nothing from that. Without the native addon nothing is advised: only speed differs.
import { nativeAddon } from "./native.ts";

/** One buffer faulted in at a time: a pool's worth at once would take every libuv thread from file I/O. */
let faulting: Promise<void> = Promise.resolve();

export function longLivedSharedBuffer(bytes: number, opts: { prefault?: boolean } = {}): SharedArrayBuffer {
  const b = new SharedArrayBuffer(bytes);
  const addon = nativeAddon();
  if (addon) {
    const view = new Uint8Array(b);
    addon.adviseHugePages(view); // before the first touch, which prefault is
    if (opts.prefault) faulting = faulting.then(() => addon.prefault(view)).catch(() => {}); // advisory
  }
  return b;
}
