// Tells, without a read transaction, whether anything was committed to a SQLite database in WAL
// mode since the last look. Every commit, by any connection of any process, rewrites the
// wal-index header at the start of the "-shm" file (https://www.sqlite.org/walformat.html): two
// 48-byte copies holding a change counter, the last frame, salts and a checksum; SQLite's own
// readers compare it to decide whether their page cache still holds. One pread of it costs under a
// quarter of a point read, which takes two fcntl locks, an fstat and a VDBE run.
import { closeSync, openSync, readSync } from "node:fs";
import { endianness } from "node:os";

const HEADER_BYTES = 96;
/** WALINDEX_MAX_VERSION, the first field: any other value is a format this code does not know. */
const WALINDEX_VERSION = 3_007_000;
/** WalIndexHdr.isInit: 1 once a connection has built the header. */
const IS_INIT_AT = 12;

export class WalIndex {
  readonly #fd: number;
  readonly #readVersion: (buf: Buffer, offset: number) => number;
  #last = Buffer.alloc(HEADER_BYTES);
  #fresh = Buffer.alloc(HEADER_BYTES);
  #epoch = 0;

  private constructor(fd: number) {
    this.#fd = fd;
    // The header is in the machine's byte order.
    this.#readVersion = endianness() === "LE" ? (b, o) => b.readUInt32LE(o) : (b, o) => b.readUInt32BE(o);
  }

  /** The wal-index of a database file this process has open in WAL mode and has read, if it can be opened. */
  static open(databasePath: string): WalIndex | undefined {
    try {
      return new WalIndex(openSync(`${databasePath}-shm`, "r"));
    } catch {
      return undefined;
    }
  }

  /**
   * A number that stays the same while nothing is committed and changes with every commit. A
   * header read while a commit rewrites it can only differ from the one before: it may end an
   * epoch early, never extend one. Undefined while the header is not built, is not one this code
   * knows, or cannot be read (the caller then reads the database itself).
   */
  epoch(): number | undefined {
    const fresh = this.#fresh;
    try {
      if (readSync(this.#fd, fresh, 0, HEADER_BYTES, 0) !== HEADER_BYTES) return undefined;
    } catch {
      return undefined;
    }
    if (this.#readVersion(fresh, 0) !== WALINDEX_VERSION || fresh[IS_INIT_AT] !== 1) return undefined;
    if (!fresh.equals(this.#last)) {
      this.#fresh = this.#last;
      this.#last = fresh;
      this.#epoch++;
    }
    return this.#epoch;
  }

  close(): void {
    closeSync(this.#fd);
  }
}
