// Every path a worker builds from what the server sent is proved to lie inside --work-dir or --cache-dir
// before it is used: resolved, then checked to be a direct child of the folder. The lease is validated first
// (lease.ts); this is the second guard, so that no string the server sends can name another file.
import { isAbsolute, relative, resolve, sep } from "node:path";
import { RegistryError } from "../../src/errors.ts";

export class OutsideFolderError extends RegistryError {}

/** The path of `name` in `folder`, or an error when it would be anything but a direct child of it. */
export function childOf(folder: string, name: string): string {
  const root = resolve(folder);
  const path = resolve(root, name);
  const rel = relative(root, path);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel) || rel.includes(sep) || rel !== name) {
    throw new OutsideFolderError(`${JSON.stringify(name.slice(0, 100))} is not a name inside ${root}`);
  }
  return path;
}
