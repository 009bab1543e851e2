// Whether a path exists (anything access(2) can reach): for first-start checks that decide
// whether to make something, where an unreadable path counts as absent.
import { access } from "node:fs/promises";

export const pathExists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );
