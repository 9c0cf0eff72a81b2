// Reading a log-run trace folder: the index (checked against the contract) and its float64 files.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { formatProblem, problemsFromZod } from "../../src/contract/index.ts";
import { traceIndex, type TraceIndex } from "../../src/contract/records/trace.ts";
import { InputFileError, readJsonFile } from "../../src/files/json-file.ts";
import { RegistryError } from "../../src/errors.ts";

export class TraceError extends RegistryError {}

export interface Trace {
  dir: string;
  index: TraceIndex;
  values(ref: { file: string; offset: number; count: number }): Float64Array;
}

const maxTraceFileBytes = 8 * 1024 ** 3;

export async function readTrace(dir: string): Promise<Trace> {
  let doc: unknown;
  try {
    doc = await readJsonFile(join(dir, "index.json"), 512 * 1024 * 1024);
  } catch (error) {
    if (error instanceof InputFileError) throw new TraceError(`${dir} is not a trace folder: ${error.message}`);
    throw error;
  }
  const parsed = traceIndex.safeParse(doc);
  if (!parsed.success) throw new TraceError(`${join(dir, "index.json")}: not a log-run trace:\n${problemsFromZod(parsed.error, doc).slice(0, 10).map(formatProblem).join("\n")}`);
  const files = new Map<string, Float64Array>();
  for (const name of ["samples.f64", "outputs.f64"]) {
    const path = join(dir, name);
    const size = (await stat(path).catch(() => undefined))?.size;
    if (size === undefined) throw new TraceError(`${path} is missing`);
    if (size % 8 !== 0 || size > maxTraceFileBytes) throw new TraceError(`${path}: ${size} bytes is not a whole number of float64 values under the cap`);
    const bytes = await readFile(path);
    // A view of the bytes read (files are little-endian, as are the machines this runs on); a copy only in
    // the rare case that the Buffer sits at an offset that is not a multiple of 8 (small pooled Buffers).
    const aligned = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
    files.set(name, new Float64Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 8));
  }
  return {
    dir,
    index: parsed.data,
    values(ref) {
      const data = files.get(ref.file);
      if (!data || ref.offset + ref.count > data.length) throw new TraceError(`${dir}: ${ref.file} has no values ${ref.offset}..${ref.offset + ref.count}`);
      return data.subarray(ref.offset, ref.offset + ref.count);
    },
  };
}
