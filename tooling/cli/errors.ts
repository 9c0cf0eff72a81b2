// The failures of reading, scanning and preparing a checkpoint, as command-line errors with their message.
import { InputFileError } from "../../src/files/json-file.ts";
import { ExtractionError } from "../anemoi/extract.ts";
import { CliError } from "./command.ts";
import { PickleScanError } from "../pickle/scan.ts";
import { ByteSourceError } from "../source/byte-source.ts";
import { ZipFormatError } from "../zip/zip-error.ts";
import { CheckpointFileError } from "../checkpoint/cache.ts";
import { EnvironmentError } from "../environment/python-env.ts";

export function asCliError(error: unknown, target: string): unknown {
  if (error instanceof InputFileError || error instanceof CheckpointFileError || error instanceof EnvironmentError || error instanceof ZipFormatError || error instanceof ExtractionError || error instanceof ByteSourceError) {
    return new CliError(error.message);
  }
  if (error instanceof PickleScanError) return new CliError(`${target}: data.pkl: ${error.message}`);
  return error;
}
