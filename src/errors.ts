// One base class for every failure the registry can explain in words: a file, URL, checkpoint, entry or
// environment that is not what it should be. The command line prints its message (and, with --json, a JSON
// error document) and exits with its exit code; any other error is a bug and says so.
export class RegistryError extends Error {
  /** 1 for a failed check or bad input, 2 for a wrong command line. */
  readonly exitCode: number;

  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options?.exitCode ?? 1;
  }
}
