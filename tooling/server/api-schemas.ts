// The server's HTTP contract: every request body and every response document as a Zod schema. Requests are
// parsed with them; responses are typed by them and checked against them in the tests; the OpenAPI document
// (openapi.ts) is generated from them.
import { z } from "zod";
import { checkpointId, entrySchema, httpUrl } from "../../src/contract/index.ts";
import { storeDocument } from "../../src/fiab/store-contract.ts";

export const apiBase = "/api/v1";

/** The longest URL a registration accepts (real checkpoint URLs are a few hundred characters). */
export const maxUrlLength = 2048;

export const registerRequest = z
  .strictObject({
    url: httpUrl.max(maxUrlLength).describe("The checkpoint's download URL (http or https); the server reads it with Range requests."),
    id: checkpointId.optional().describe("The checkpoint id; default: the id of the entry with this URL, else the URL's file name without .ckpt."),
  })
  .describe("A checkpoint to register.");
export type RegisterRequest = z.output<typeof registerRequest>;

export const registrationStates = ["queued", "extracting", "registered", "failed"] as const;
export type RegistrationState = (typeof registrationStates)[number];

const timestamp = z.string().describe("An ISO 8601 time in UTC.");

export const registration = z
  .strictObject({
    registration: z.string().describe("The registration's id."),
    url: z.string().describe("The checkpoint URL, normalised."),
    id: checkpointId,
    state: z.enum(registrationStates).describe("queued, extracting (being read), registered (the entry is published), failed (see reason)."),
    createdAt: timestamp,
    startedAt: timestamp.optional(),
    finishedAt: timestamp.optional(),
    attempts: z.number().describe("How many times reading the checkpoint was started."),
    reason: z.string().optional().describe("Why it failed, or why the last attempt failed when it will be retried."),
    warnings: z.array(z.string()).optional().describe("What extraction noticed (guessed fields, kept values)."),
    revision: z.number().optional().describe("The registry revision that published the entry; absent when nothing changed."),
    location: z.string().describe("Where this registration's state is read."),
  })
  .describe("A registration: a checkpoint URL being read into an entry.");
export type Registration = z.output<typeof registration>;

/** Built on first use: the entry schema is the largest part of the contract. */
export function checkpointsDocument() {
  return z
    .strictObject({
      schemaVersion: z.number(),
      revision: z.number().describe("The registry revision: it grows with every change to the entries."),
      checkpoints: z.record(checkpointId, entrySchema("consuming")),
    })
    .describe("Every entry: the static modelRegistry.json with the revision it shows.");
}

export const fiabStore = storeDocument.describe("The artifact store that an unmodified FIAB of the contract version reads.");

export const problem = z
  .looseObject({
    type: z.string().describe("A URI that names the kind of problem."),
    title: z.string(),
    status: z.number(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional().describe("Each invalid field of a request."),
  })
  .describe("An error, as an RFC 9457 problem document.");
export type Problem = z.output<typeof problem>;

export const health = z
  .strictObject({
    status: z.literal("ok"),
    revision: z.number(),
    entries: z.number(),
    registrations: z.strictObject({ queued: z.number(), extracting: z.number() }),
  })
  .describe("Whether the server is up, and its queue.");

const revisionNumber = z.string().regex(/^\d{1,15}$/, "a revision number");

/** `since` defaults to the revision that imported the entries folder the server started from (else 0). */
export const changesQuery = z.object({
  since: revisionNumber.optional().describe("List entries changed after this registry revision (sync-entries passes the last one it wrote)."),
});

export const changesDocument = z
  .strictObject({
    since: z.number(),
    revision: z.number().describe("The registry revision now."),
    changes: z.array(z.strictObject({ id: checkpointId, revision: z.number().describe("The revision that last changed it.") })),
  })
  .describe("The entries changed after a revision: what sync-entries writes back to the entries folder.");

export const checkpointQuery = z.object({
  revision: revisionNumber.optional().describe("The entry as it was at this registry revision (404 when it did not exist then)."),
});

// Other parameters (a cache buster) are ignored.
export const checkpointsQuery = z.object({
  contract: z.enum(["core-1", "core-2"]).optional().describe("Answer with the FIAB store of this contract version instead."),
});
