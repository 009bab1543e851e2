// Support bundles: a gzip'd POSIX tar (ustar) of text files, written atomically under
// <data dir>/support-bundles/. Small files only (configuration, listings, logs), so the archive
// is built in memory.
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export interface BundleFile {
  name: string;
  content: string;
}

const BLOCK = 512;

function header(name: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const put = (text: string, offset: number, length: number) => h.write(text.slice(0, length), offset, length, "utf8");
  // Octal digits then the NUL the zeroed buffer already holds.
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, "0");
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(mtime, 12), 136, 12);
  h.fill(" ", 148, 156); // checksum field counts as spaces while summing
  put("0", 156, 1);
  put("ustar\u000000", 257, 8);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  return h;
}

export function tarGz(files: readonly BundleFile[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    if (Buffer.byteLength(f.name) > 100) throw new Error(`bundle file name too long: ${f.name}`);
    const body = Buffer.from(f.content, "utf8");
    parts.push(header(f.name, body.length, mtime), body, Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return gzipSync(Buffer.concat(parts));
}

/** Writes the bundle as <dataDir>/support-bundles/<name>.tar.gz (0600); returns its path and size. */
export async function writeSupportBundle(dataDir: string, name: string, files: readonly BundleFile[]): Promise<{ path: string; bytes: number }> {
  const dir = join(dataDir, "support-bundles");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${name}.tar.gz`);
  const data = tarGz(files);
  await writeFile(`${path}.tmp`, data, { mode: 0o600, flush: true });
  await rename(`${path}.tmp`, path);
  return { path, bytes: data.length };
}
