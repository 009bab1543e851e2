// Support bundles are files under <data dir>/support-bundles/<workspace>/<operation id>.tar.gz,
// written by the job that collected them (the embedded orchestrator's, or uploaded by a separate
// orchestrator) and downloaded from GET /obr/v1/support-bundles/{operation id}.
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const SUPPORT_BUNDLES_PATH = "/obr/v1/support-bundles";
export const SUPPORT_BUNDLE_TYPE = "obr/support-bundle";
/** Largest bundle a separate orchestrator may upload. */
export const MAX_BUNDLE_BYTES = 32 * 1024 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class SupportBundles {
  readonly #root: string;

  constructor(dataDir: string) {
    this.#root = join(dataDir, "support-bundles");
  }

  #path(customerId: string, operationId: string): string {
    // Both come from our own records or a URL: only UUID-shaped names reach the filesystem.
    if (!UUID.test(operationId) || !/^[A-Za-z0-9_-]+$/.test(customerId)) throw new Error("invalid support bundle name");
    return join(this.#root, customerId, `${operationId}.tar.gz`);
  }

  async save(customerId: string, operationId: string, archive: Buffer): Promise<{ resourceUri: string; type: string; name: string }> {
    const path = this.#path(customerId, operationId);
    await mkdir(join(this.#root, customerId), { recursive: true });
    await writeFile(`${path}.tmp`, archive, { flush: true });
    await rename(`${path}.tmp`, path);
    return { name: `support bundle (${archive.length} bytes)`, resourceUri: `${SUPPORT_BUNDLES_PATH}/${operationId}`, type: SUPPORT_BUNDLE_TYPE };
  }

  /** The bundle's file when it exists in that workspace. */
  async find(customerId: string, operationId: string): Promise<string | undefined> {
    if (!UUID.test(operationId)) return undefined;
    const path = this.#path(customerId, operationId);
    return (await stat(path).catch(() => undefined))?.isFile() ? path : undefined;
  }
}
