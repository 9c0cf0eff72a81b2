// Reading a log-run trace folder: the index (checked against the contract) and its float64 files.
import { open } from "node:fs/promises";
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
const floatFiles = ["samples.f64", "outputs.f64"] as const;

/**
 * One float64 file as a view of its bytes (files are little-endian, as are the machines this runs on), read in
 * one request on the thread pool: there, not on the thread that parses the index meanwhile, the kernel fills
 * the fresh memory (its page faults cost as much as the copy on a virtual machine).
 */
async function readFloats(path: string): Promise<Float64Array> {
  const handle = await open(path, "r").catch(() => undefined);
  if (!handle) throw new TraceError(`${path} is missing`);
  try {
    const { size } = await handle.stat();
    if (size % 8 !== 0 || size > maxTraceFileBytes) throw new TraceError(`${path}: ${size} bytes is not a whole number of float64 values under the cap`);
    const values = new Float64Array(size / 8);
    const bytes = new Uint8Array(values.buffer);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(bytes, at, size - at, at);
      if (bytesRead === 0) throw new TraceError(`${path}: ${size} bytes announced, ${at} read (the file shrank while it was read)`);
      at += bytesRead;
    }
    return values;
  } finally {
    await handle.close();
  }
}

export async function readTrace(dir: string): Promise<Trace> {
  const reading = Promise.all(floatFiles.map((name) => readFloats(join(dir, name))));
  reading.catch(() => {}); // reported below, after the index's own problems
  let doc: unknown;
  try {
    doc = await readJsonFile(join(dir, "index.json"), 512 * 1024 * 1024);
  } catch (error) {
    if (error instanceof InputFileError) throw new TraceError(`${dir} is not a trace folder: ${error.message}`);
    throw error;
  }
  const parsed = traceIndex.safeParse(doc);
  if (!parsed.success)
    throw new TraceError(`${join(dir, "index.json")}: not a log-run trace:\n${problemsFromZod(parsed.error, doc).slice(0, 10).map(formatProblem).join("\n")}`);
  const floats = await reading;
  const files = new Map<string, Float64Array>(floatFiles.map((name, i) => [name, floats[i]!]));
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
