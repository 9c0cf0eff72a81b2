// Where the checkpoint file lives and how to recognise it.
import { z } from "zod";
import { httpUrl, sha256 } from "./common.ts";
import { object, type Mode } from "./mode.ts";

export function makeSource<M extends Mode>(mode: M) {
  return object(mode, {
    url: httpUrl.describe("Where FIAB downloads the checkpoint file from."),
    sizeBytes: z.number().int().nonnegative().optional().describe("Size of the checkpoint file in bytes (FIAB's disk_size_bytes)."),
    sha256: sha256.optional().describe("SHA-256 of the whole checkpoint file, when known."),
    etag: z.string().optional().describe("The HTTP ETag the server gave for the file, when known."),
    mirrors: z.array(httpUrl).optional().describe("Other URLs serving the same bytes."),
  }).describe("The checkpoint file: URL, size, digest and mirrors.");
}

export type Source = z.output<ReturnType<typeof makeSource<"authoring">>>;
