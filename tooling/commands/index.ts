// The command table: names and summaries for the root help, each command's module loaded only when run.
import type { Command } from "./shared/command.ts";

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

const entry = (name: string, summary: string, load: () => Promise<{ default: unknown }>): CommandEntry => ({
  name,
  summary,
  load: async () => (await load()).default as Command,
});

export const commands: readonly CommandEntry[] = [
  entry("validate", "Check every entry against the contract and across entries; report all problems at once.", () => import("./validate.ts")),
  entry(
    "extract-basic-metadata",
    "Read a checkpoint's metadata and pickle imports without torch, from a file or over HTTP.",
    () => import("./extract-basic-metadata.ts"),
  ),
  entry(
    "verify-unpickling",
    "Prove a checkpoint loads with exactly its requirements, in a fresh, sandboxed environment.",
    () => import("./verify-unpickling.ts"),
  ),
  entry("log-run", "Run a checkpoint on deterministic dummy input and trace every module's output (for compare-runs).", () => import("./log-run.ts")),
  entry("compare-runs", "Compare two log-run traces of one checkpoint and input: per-module divergence and a verdict.", () => import("./compare-runs.ts")),
  entry(
    "update-metadata",
    "Record check results (verify-unpickling, compare-runs) as compatibility evidence of an entry.",
    () => import("./update-metadata.ts"),
  ),
  entry("import-fiab-store", "Create or update entries from a FIAB artifact store (core-1 or core-2 shape).", () => import("./import-fiab-store.ts")),
  entry("export-fiab-store", "Print the FIAB store document (core-1 or core-2) that an unmodified FIAB reads.", () => import("./export-fiab-store.ts")),
  entry("serve", "Run the registry server: entries over HTTP from sqlite, registration of checkpoints by URL.", () => import("./serve.ts")),
  entry("token", "Create, revoke or list the registry server's bearer tokens (stored as hashes in its database).", () => import("./token.ts")),
  entry("backup", "Copy the registry server's database consistently while it runs.", () => import("./backup.ts")),
  entry("sync-entries", "Write what a registry server changed into an entries folder, keeping the folder's own edits.", () => import("./sync-entries.ts")),
  entry("sign", "Sign a built site's registry documents (Ed25519) and write keys.json; --generate-key makes a key.", () => import("./sign.ts")),
  entry(
    "verify-publication",
    "Check a published site: signatures, content-addressed copies, and that every document validates.",
    () => import("./verify-publication.ts"),
  ),
  entry("worker", "Run the registry server's verification jobs on this host (verify-unpickling, log-run), sandboxed.", () => import("./worker.ts")),
  entry("jobs", "List a registry server's verification jobs, or queue a checkpoint's verification again (--verify).", () => import("./jobs.ts")),
  entry("schema", "Check the contract against the published JSON Schemas in schema/, or refresh them (--update).", () => import("./schema.ts")),
];
