// One registration's reading of a checkpoint, in a child process of its own: a stranger's file is parsed away
// from the process that answers requests, under a heap limit, at a lower scheduling priority, and the process is
// killed when it runs out of time. Receives one ExtractionJob, answers one ExtractionOutcome, and exits. Started
// with "spawner", it is instead the process that starts those (ExtractionSpawner).
import { RegistryError, errorMessage } from "../../src/errors.ts";
import { readCheckpoint } from "../checkpoint/read.ts";
import { HttpSourceError } from "../http/errors.ts";
import { serveExtractions, type ExtractionJob, type ExtractionOutcome } from "./extraction-process.ts";

async function extract(job: ExtractionJob): Promise<ExtractionOutcome> {
  const warnings: string[] = [];
  try {
    const reading = await readCheckpoint(job.url, {
      allowFullDownload: false,
      timeoutMs: job.requestTimeoutMs,
      allowPrivateNetwork: job.allowPrivateNetwork,
      hash: false,
      warn: (message) => warnings.push(message),
    });
    return { ok: true, reading, warnings };
  } catch (error) {
    // A RegistryError explains itself; anything else is a fault in this code, reported as one.
    return {
      ok: false,
      reason: error instanceof RegistryError ? error.message : `internal error while reading the checkpoint: ${errorMessage(error)}`,
      retryable: error instanceof HttpSourceError && error.retryable,
    };
  }
}

if (process.argv[2] === "spawner") serveExtractions();
else {
  // The server gone (stopped, or killed), nobody wants the answer.
  process.once("disconnect", () => process.exit(0));
  process.once("message", (job: ExtractionJob) => {
    void extract(job).then((outcome) => process.send!(outcome, () => process.exit(0)));
  });
}
