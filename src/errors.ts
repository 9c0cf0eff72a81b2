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

// What a catch caught is `unknown`: these read it without assuming it is an Error (a library may throw
// anything, and an Error from another realm fails instanceof).

function messageOf(value: unknown): string | undefined {
  return typeof value === "object" && value !== null && "message" in value && typeof value.message === "string" ? value.message : undefined;
}

/** The message of a caught value: an error's message, or the value itself as text. */
export function errorMessage(error: unknown): string {
  return messageOf(error) ?? String(error);
}

/** The message of a caught error's cause, if it has one (fetch's "fetch failed" says why only there). */
export function causeMessage(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "cause" in error ? messageOf(error.cause) : undefined;
}

/** Whether a caught value is the TimeoutError an AbortSignal.timeout() aborts with. */
export function isTimeout(error: unknown): boolean {
  return typeof error === "object" && error !== null && "name" in error && error.name === "TimeoutError";
}

/** The system error code (ENOENT, EEXIST, EPERM...) of a caught Node.js error, if it has one. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : undefined;
}
