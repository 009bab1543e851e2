// Positional writev that finishes short writes (the kernel may write less than asked).
import type { FileHandle } from "node:fs/promises";

export async function writevAll(fh: FileHandle, bufs: readonly Uint8Array[], pos: number): Promise<void> {
  let rest = [...bufs];
  while (rest.length > 0) {
    let n = (await fh.writev(rest, pos)).bytesWritten;
    pos += n;
    while (rest.length > 0 && n >= (rest[0] as Uint8Array).length) n -= (rest.shift() as Uint8Array).length;
    if (n > 0) rest = [(rest[0] as Uint8Array).subarray(n), ...rest.slice(1)];
  }
}
