import { basename, extname } from "node:path";
import { ConnectorError } from "../connector-error.ts";
import type { CreateVmSpec, DiskWriter, GuestFamily, VirtualMachine } from "../hypervisor-connector.ts";
import type { RawImage } from "./import-image.ts";
import { nonZeroExtents, prepareRawImage } from "./import-image.ts";

// `obr lab import-vm`: turns a user's own disk images into a new lab VM, one disk per image,
// copying only non-zero data so the lab disk stays as sparse as the image.

export interface ImportVmOptions {
  /** Defaults to the first image's file name without extension. */
  name?: string;
  diskPath: string | readonly string[];
  /** Datastore id or name; defaults to the first datastore of the placement host. */
  datastore?: string;
  guest?: { family: GuestFamily; osName: string };
}

/** What the import needs from the lab. */
export interface ImportTarget {
  readonly labDir: string;
  resolveDatastore(idOrName: string): Promise<string>;
  createVmFromDisks(spec: CreateVmSpec, fill: (disks: DiskWriter[]) => Promise<void>): Promise<VirtualMachine>;
}

export async function runImport(target: ImportTarget, options: ImportVmOptions): Promise<VirtualMachine> {
  const paths = typeof options.diskPath === "string" ? [options.diskPath] : [...options.diskPath];
  const first = paths[0];
  if (first === undefined) throw new ConnectorError("bad-argument", "import needs at least one disk image");
  const datastoreId = options.datastore === undefined ? undefined : await target.resolveDatastore(options.datastore);
  const images: RawImage[] = [];
  try {
    for (const path of paths) images.push(await prepareRawImage(path, target.labDir));
    const spec: CreateVmSpec = {
      name: options.name ?? basename(first, extname(first)),
      disks: images.map((img) => ({ capacityBytes: img.capacityBytes })),
      ...(datastoreId ? { datastoreId } : {}),
      ...(options.guest ? { guest: options.guest } : {}),
    };
    return await target.createVmFromDisks(spec, async (writers) => {
      for (const [i, writer] of writers.entries()) {
        const image = images[i];
        if (!image) continue;
        for await (const extent of nonZeroExtents(image.path)) await writer.write(extent.offset, extent.data);
        await writer.flush();
      }
    });
  } finally {
    for (const image of images) await image.cleanup();
  }
}
