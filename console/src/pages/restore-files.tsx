// The restore wizard's "Files and folders" path: browse a copy's file system with the browse call
// (GET /obr/v1/virtual-machines/{id}/copies/{copy-id}/files), tick files and folders, then choose
// the target VM, where they go and what happens to a name already there (restore-files).
import { useState } from "preact/hooks";
import { get } from "../api.ts";
import { Field, Load, TableBox } from "../components.tsx";
import { bytes, dateTime } from "../format.ts";
import type { Session } from "../session.ts";
import { type CopyFiles, PATHS, type Vm } from "../types.ts";
import { useLoad } from "../use-load.ts";

export type FileRestoreMethod = "OVERWRITE" | "KEEPASBACKUP" | "SKIP";

export interface FileChoice {
  /** Absolute paths in the copy. */
  selected: string[];
  targetVmId: string;
  /** A folder to restore into; empty: each item back where it was. */
  targetPath: string;
  retain: boolean;
  method: FileRestoreMethod;
}

export const METHODS: Record<FileRestoreMethod, string> = {
  OVERWRITE: "Replace what is there",
  KEEPASBACKUP: "Keep what is there, restore beside it as <name>_<time>",
  SKIP: "Keep what is there, restore only what is missing",
};

const isMethod = (value: string): value is FileRestoreMethod => Object.hasOwn(METHODS, value);

/** The restore-files body for the copy (its snapshotId or backupId). */
export function fileRestoreBody(copyRef: { snapshotId: string } | { backupId: string }, choice: FileChoice) {
  const into = choice.targetPath.trim();
  return {
    ...copyRef,
    fileRestoreMethod: choice.method,
    filePathInfo: choice.selected.map((absoluteSourcePath) => ({ absoluteSourcePath, ...(into ? { absoluteTargetPath: into } : {}) })),
    retainOriginalDirectoryStructure: choice.retain,
    targetInfo: { virtualMachineId: choice.targetVmId },
  };
}

const parentOf = (path: string) => (path.lastIndexOf("/") <= 0 ? "/" : path.slice(0, path.lastIndexOf("/")));

/** One directory of the copy at a time, with its path as links up and a tick box per entry. */
export function FileBrowser({ session, vmId, copyId, selected, onChange }: { session: Session; vmId: string; copyId: string; selected: string[]; onChange: (selected: string[]) => void }) {
  const [dir, setDir] = useState("/");
  const page = useLoad(() => get<CopyFiles>(session, PATHS.copyFiles(vmId, copyId), { path: dir, limit: 1000 }), [session, vmId, copyId, dir]);
  const toggle = (path: string, on: boolean) => onChange(on ? [...selected, path] : selected.filter((p) => p !== path));
  const crumbs = dir === "/" ? [] : dir.split("/").slice(1);
  return (
    <div class="file-browser">
      <nav class="file-path" aria-label="Folder">
        <button type="button" class="link" onClick={() => setDir("/")}>
          /
        </button>
        {crumbs.map((name, i) => {
          const path = `/${crumbs.slice(0, i + 1).join("/")}`;
          return (
            <span key={path}>
              {i > 0 ? " / " : ""}
              <button type="button" class="link" aria-current={path === dir ? "location" : undefined} onClick={() => setDir(path)}>
                {name}
              </button>
            </span>
          );
        })}
      </nav>
      <Load state={page} what="Files">
        {(files) => (
          <TableBox label={`Files in ${dir}`}>
            <thead>
              <tr>
                <th scope="col">Restore</th>
                <th scope="col">Name</th>
                <th scope="col">Size</th>
                <th scope="col">Modified</th>
              </tr>
            </thead>
            <tbody>
              {dir !== "/" ? (
                <tr>
                  <td />
                  <td colSpan={3}>
                    <button type="button" class="link" onClick={() => setDir(parentOf(dir))}>
                      .. (up)
                    </button>
                  </td>
                </tr>
              ) : null}
              {files.items.map((f) => (
                <tr key={f.path}>
                  <td>
                    <input type="checkbox" aria-label={`Restore ${f.path}`} checked={selected.includes(f.path)} onChange={(e) => toggle(f.path, e.currentTarget.checked)} />
                  </td>
                  <td>
                    {f.type === "directory" ? (
                      <button type="button" class="link" onClick={() => setDir(f.path)}>
                        {f.name}/
                      </button>
                    ) : (
                      <span>
                        {f.name}
                        {f.type === "symlink" ? <span class="muted"> (link)</span> : null}
                      </span>
                    )}
                  </td>
                  <td>{f.type === "file" ? bytes(f.sizeInBytes) : ""}</td>
                  <td>{dateTime(f.modifiedAt)}</td>
                </tr>
              ))}
            </tbody>
          </TableBox>
        )}
      </Load>
      <p class="muted" aria-live="polite">
        {selected.length === 0 ? "Nothing selected yet." : `Selected: ${selected.join(", ")}`}
      </p>
    </div>
  );
}

/** Where the chosen files go and what happens to a name already there. */
export function FileTarget({ vms, choice, onChange }: { vms: Vm[]; choice: FileChoice; onChange: (choice: FileChoice) => void }) {
  return (
    <div class="row">
      <Field label="Restore into">
        <select required value={choice.targetVmId} onChange={(e) => onChange({ ...choice, targetVmId: e.currentTarget.value })}>
          {vms.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Folder" hint="Empty: each file back where it was">
        <input value={choice.targetPath} placeholder="/restored" pattern="/.*" onInput={(e) => onChange({ ...choice, targetPath: e.currentTarget.value })} />
      </Field>
      <Field label="If the name is taken">
        <select
          value={choice.method}
          onChange={(e) => {
            const method = e.currentTarget.value;
            if (isMethod(method)) onChange({ ...choice, method });
          }}
        >
          {Object.entries(METHODS).map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      </Field>
      {choice.targetPath.trim() ? (
        <label class="check">
          <input type="checkbox" checked={choice.retain} onChange={(e) => onChange({ ...choice, retain: e.currentTarget.checked })} />
          Keep the folders they came from (/restored/etc/app.conf)
        </label>
      ) : null}
    </div>
  );
}
